import { expect } from 'chai';
import {
  buildReportModel,
  daysOf,
  InvalidReportRangeError,
  MAX_REPORT_DAYS,
  percentile,
  resolveReportRange,
} from '../../functions/core/report/model';
import { failedRun, runRecord, transfer } from './fixtures';

const RANGE = { from: '2025-06-26', to: '2025-06-28' };
const NOW = new Date('2025-06-28T08:00:00Z');

describe('Report range', () => {
  it('GIVEN no --from and no --to WHEN the range is resolved THEN it is the last 7 days ending today (UTC)', () => {
    expect(resolveReportRange({}, new Date('2025-06-28T23:30:00Z'))).to.deep.equal({
      from: '2025-06-22',
      to: '2025-06-28',
    });
  });

  it('GIVEN only --to WHEN the range is resolved THEN it is the 7 days ending that day', () => {
    expect(resolveReportRange({ to: '2025-03-02' }, NOW)).to.deep.equal({ from: '2025-02-24', to: '2025-03-02' });
  });

  it('GIVEN --from and --to WHEN the range is resolved THEN both days are kept, and a one-day range is allowed', () => {
    expect(resolveReportRange({ from: '2025-06-01', to: '2025-06-10' }, NOW)).to.deep.equal({
      from: '2025-06-01',
      to: '2025-06-10',
    });
    expect(resolveReportRange({ from: '2025-06-10', to: '2025-06-10' }, NOW)).to.deep.equal({
      from: '2025-06-10',
      to: '2025-06-10',
    });
  });

  it('GIVEN days that are not calendar days WHEN the range is resolved THEN the error names the option and the value', () => {
    expect(() => resolveReportRange({ from: '2025-02-30' }, NOW))
      .to.throw(InvalidReportRangeError)
      .with.property('message', '--from must be a calendar day written YYYY-MM-DD, got "2025-02-30"');
    expect(() => resolveReportRange({ to: '28/06/2025' }, NOW)).to.throw(/--to must be a calendar day/);
  });

  it('GIVEN --from after --to WHEN the range is resolved THEN it is refused', () => {
    expect(() => resolveReportRange({ from: '2025-06-29', to: '2025-06-28' }, NOW)).to.throw(
      '--from 2025-06-29 is after --to 2025-06-28',
    );
  });

  it('GIVEN a range longer than the report covers WHEN it is resolved THEN it is refused with the limit', () => {
    expect(() => resolveReportRange({ from: '2025-01-01', to: '2025-06-28' }, NOW)).to.throw(
      `the range spans 179 days; a report covers at most ${MAX_REPORT_DAYS}`,
    );
  });

  it('GIVEN a range across a month end WHEN its days are listed THEN every day appears once, in order', () => {
    expect(daysOf({ from: '2024-02-27', to: '2024-03-01' })).to.deep.equal([
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
  });
});

describe('Latency percentiles', () => {
  it('GIVEN measured latencies WHEN p50 and p95 are taken THEN each is a measured value (nearest rank)', () => {
    const values = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(percentile(values, 50)).to.equal(5);
    expect(percentile(values, 95)).to.equal(10);
    expect(percentile([42], 95)).to.equal(42);
  });

  it('GIVEN no latency WHEN a percentile is taken THEN there is none', () => {
    expect(percentile([], 50)).to.equal(null);
  });
});

describe('Report model', () => {
  it('GIVEN runs of two flows over three days WHEN the model is built THEN each flow has one cell per day with its verdict and counts', () => {
    const model = buildReportModel({
      range: RANGE,
      generatedAt: NOW,
      runs: [
        runRecord('s3-to-sftp', '2025-06-26'),
        runRecord('s3-to-sftp', '2025-06-28'),
        failedRun('s3-to-sftp', '2025-06-28'),
        runRecord('a-sftp-pull', '2025-06-27'),
      ],
      transfers: [],
    });
    expect(model.days).to.deep.equal(['2025-06-26', '2025-06-27', '2025-06-28']);
    expect(model.flows.map((flow) => flow.flowId)).to.deep.equal(['a-sftp-pull', 's3-to-sftp']);
    const cells = model.flows[1]!.days.map(({ verdict, runs, passed, failed }) => ({ verdict, runs, passed, failed }));
    expect(cells).to.deep.equal([
      { verdict: 'PASS', runs: 1, passed: 1, failed: 0 },
      { verdict: 'NONE', runs: 0, passed: 0, failed: 0 },
      { verdict: 'FAIL', runs: 2, passed: 1, failed: 1 },
    ]);
    expect(model.totals).to.include({ runs: 4, runsPassed: 3, runsFailed: 1 });
  });

  it('GIVEN several runs of a flow on a day WHEN the model is built THEN that day has their p50 and p95, and runs without a latency are left out', () => {
    const runs = [10, 20, 30, 40].map((latency) => runRecord('s3-to-s3', '2025-06-27', { latency_seconds: latency }));
    const model = buildReportModel({
      range: RANGE,
      generatedAt: NOW,
      runs: [...runs, failedRun('s3-to-s3', '2025-06-27')],
      transfers: [],
    });
    const [flow] = model.flows;
    expect(flow!.days.map((day) => [day.p50Seconds, day.p95Seconds])).to.deep.equal([
      [null, null],
      [20, 40],
      [null, null],
    ]);
    expect(flow!.hasLatency).to.equal(true);
  });

  it('GIVEN a negative flow that fails as expected every day WHEN the model is built THEN it passes, has no latency and is not a failure', () => {
    const model = buildReportModel({
      range: RANGE,
      generatedAt: NOW,
      runs: [
        failedRun('neg-wrong-key', '2025-06-27', {
          reason: 'AUTH_FAILED',
          failed_step: 'Preflight',
          expect: { outcome: 'FAILURE', reason: 'AUTH_FAILED' },
          outcome_matches_expectation: true,
        }),
      ],
      transfers: [],
    });
    expect(model.flows[0]!.days[1]!.verdict).to.equal('PASS');
    expect(model.flows[0]!.hasLatency).to.equal(false);
    expect(model.runFailures).to.deep.equal([]);
  });

  it('GIVEN a flow whose SLO changed WHEN the model is built THEN the SLO of its latest run is the line drawn', () => {
    const model = buildReportModel({
      range: RANGE,
      generatedAt: NOW,
      runs: [
        runRecord('s3-to-s3', '2025-06-26', { slo_seconds: 600 }),
        runRecord('s3-to-s3', '2025-06-28', { slo_seconds: 120 }),
        runRecord('s3-to-s3', '2025-06-27', { slo_seconds: 300 }),
      ],
      transfers: [],
    });
    expect(model.flows[0]!.sloSeconds).to.equal(120);
  });

  it('GIVEN runs that missed their expectation WHEN the model is built THEN the failures list them newest first with step, reason, expectation, run id and message', () => {
    const older = failedRun('s3-to-sftp', '2025-06-26');
    const unexpected = runRecord('neg-missing-dir', '2025-06-28', {
      reason: 'UNEXPECTED_SUCCESS',
      expect: { outcome: 'FAILURE', reason: 'NOT_FOUND' },
      outcome_matches_expectation: false,
    });
    const model = buildReportModel({ range: RANGE, generatedAt: NOW, runs: [older, unexpected], transfers: [] });
    expect(model.runFailures).to.deep.equal([
      {
        date: '2025-06-28',
        flowId: 'neg-missing-dir',
        runId: unexpected.run_id,
        startedAt: unexpected.started_at,
        step: null,
        reason: 'UNEXPECTED_SUCCESS',
        expected: 'FAILURE NOT_FOUND',
        message: null,
      },
      {
        date: '2025-06-26',
        flowId: 's3-to-sftp',
        runId: older.run_id,
        startedAt: older.started_at,
        step: 'PollTarget',
        reason: 'TIMEOUT',
        expected: 'SUCCESS',
        message: 'the file did not arrive within 300 s',
      },
    ]);
  });

  it('GIVEN transfers of two customers WHEN the model is built THEN each customer has files per day by status, and failed files are listed with their reason', () => {
    const model = buildReportModel({
      range: RANGE,
      generatedAt: NOW,
      runs: [],
      transfers: [
        transfer('globex', 'a.csv', '2025-06-26', 'SUCCESS'),
        transfer('acme', 'b.csv', '2025-06-26', 'SUCCESS'),
        transfer('acme', 'c.csv', '2025-06-26', 'FAILED', {
          reasonCode: 'PERMISSION_DENIED',
          errorMessage: 'PERMISSION_DENIED: access denied writing s3://out/c.csv',
          retryCount: 3,
        }),
        transfer('acme', 'd.csv', '2025-06-28', 'IN_PROGRESS'),
        transfer('acme', 'e.csv', '2025-06-28', 'FAILED', { errorMessage: 'broken' }),
      ],
    });
    expect(model.customers.map((customer) => customer.customerId)).to.deep.equal(['acme', 'globex']);
    expect(model.customers[0]!.days.map((day) => day.counts)).to.deep.equal([
      { PENDING: 0, IN_PROGRESS: 0, SUCCESS: 1, FAILED: 1 },
      { PENDING: 0, IN_PROGRESS: 0, SUCCESS: 0, FAILED: 0 },
      { PENDING: 0, IN_PROGRESS: 1, SUCCESS: 0, FAILED: 1 },
    ]);
    expect(model.customers[0]!.total).to.equal(4);
    expect(
      model.transferFailures.map((failure) => [failure.fileName, failure.reasonCode, failure.retryCount]),
    ).to.deep.equal([
      ['e.csv', 'UNKNOWN', 0],
      ['c.csv', 'PERMISSION_DENIED', 3],
    ]);
    expect(model.totals.transfersByStatus).to.deep.equal({ PENDING: 0, IN_PROGRESS: 1, SUCCESS: 2, FAILED: 2 });
  });

  it('GIVEN records dated outside the range WHEN the model is built THEN they are left out', () => {
    const model = buildReportModel({
      range: RANGE,
      generatedAt: NOW,
      runs: [runRecord('s3-to-s3', '2025-06-25'), runRecord('s3-to-s3', '2025-06-29')],
      transfers: [transfer('acme', 'old.csv', '2025-06-25', 'FAILED')],
    });
    expect(model.flows).to.deep.equal([]);
    expect(model.customers).to.deep.equal([]);
    expect(model.totals).to.deep.include({ runs: 0, transfers: 0 });
  });
});
