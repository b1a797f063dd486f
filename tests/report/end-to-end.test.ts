/**
 * `fileflow report --local` against a real local runtime: run.json records in its
 * S3 server, transfers in its DynamoDB, the real CLI writes the page, and Debian's
 * headless Chromium opens it with every network request recorded and refused.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { localDocumentClient } from '../../cli/local/dynamodb';
import { s3ClientFor } from '../../cli/local/s3-server';
import { LOCAL_CONFIG_BUCKET } from '../../cli/commands/harness';
import { localEndpointsSchema, type LocalEndpoints } from '../../cli/runtime/endpoints-file';
import { resultPrefix, type RunRecord } from '../../functions/core/harness/record';
import { TrackingRepository } from '../../functions/core/tracking/repository';
import { physicalTableNames } from '../../functions/core/tracking/tables';
import { fileflow } from '../runtime/helpers';
import { failedRun, runRecord } from './fixtures';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const OUT_DIR = resolve(__dirname, '../out');
const DAYS = ['2025-06-22', '2025-06-23', '2025-06-24', '2025-06-25', '2025-06-26', '2025-06-27', '2025-06-28'];

/** A week of harness results: a healthy push flow, a pull flow that timed out once, a negative flow. */
function weekOfRuns(): RunRecord[] {
  return DAYS.flatMap((date, i) => [
    runRecord('s3-to-sftp', date, { latency_seconds: 20 + i * 3, slo_seconds: 60 }),
    runRecord('s3-to-sftp', date, { latency_seconds: 30 + i * 4, slo_seconds: 60 }),
    i === 4
      ? failedRun('sftp-pull-to-s3', date, { slo_seconds: 180, reason_detail: 'no file at the target after 180 s' })
      : runRecord('sftp-pull-to-s3', date, { latency_seconds: 70 + (i % 3) * 25, slo_seconds: 180 }),
    failedRun('neg-wrong-key', date, {
      reason: 'AUTH_FAILED',
      failed_step: 'Preflight',
      reason_detail: 'All configured authentication methods failed',
      expect: { outcome: 'FAILURE', reason: 'AUTH_FAILED' },
      outcome_matches_expectation: true,
    }),
  ]);
}

/** What the page tells about one drawn chart. */
interface DrawnChart {
  readonly id: string;
  readonly type: string;
  readonly width: number;
  readonly datasets: { label: string; points: number; total: number }[];
}

/** Asks Chart.js (the page's own global) for the datasets behind every canvas; a string so no test tooling leaks in. */
const DRAWN_CHARTS = `Array.from(document.querySelectorAll('canvas')).map(function (canvas) {
  var chart = Chart.getChart(canvas);
  return {
    id: canvas.id,
    type: chart ? chart.config.type : 'none',
    width: canvas.width,
    datasets: chart ? chart.data.datasets.map(function (set) {
      var values = set.data.filter(function (v) { return typeof v === 'number'; });
      return { label: set.label, points: values.length, total: values.reduce(function (a, b) { return a + b; }, 0) };
    }) : []
  };
})`;

/** A page in a fresh Chromium profile that records console errors and refuses every request the page makes. */
async function openPage(context: BrowserContext, file: string) {
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  await page.route('**/*', (route) =>
    route.request().url().startsWith('file://') ? route.continue() : route.abort('blockedbyclient'),
  );
  const url = `file://${file}`;
  await page.goto(url, { waitUntil: 'load' });
  return { page, consoleErrors, requestsBeyondThePage: () => requests.filter((request) => request !== url) };
}

describe('fileflow report (end to end, headless Chromium)', function () {
  this.timeout(180_000);
  let scratch: string;
  let dir: string;
  let endpoints: LocalEndpoints;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'fileflow-report-'));
    dir = join(scratch, 'local');
    const up = await fileflow('local', 'up', '--detach', '--json', '--dir', dir);
    expect(up.code, up.stderr).to.equal(0);
    endpoints = localEndpointsSchema.parse(JSON.parse(up.stdout));

    const s3 = s3ClientFor(endpoints.s3.endpoint, endpoints.s3);
    await s3.send(new CreateBucketCommand({ Bucket: LOCAL_CONFIG_BUCKET }));
    for (const record of weekOfRuns()) {
      await s3.send(
        new PutObjectCommand({
          Bucket: LOCAL_CONFIG_BUCKET,
          Key: `${resultPrefix(record.date, record.flow_id, record.run_id)}run.json`,
          Body: JSON.stringify(record),
          ContentType: 'application/json',
        }),
      );
    }
    s3.destroy();

    const documents = localDocumentClient(endpoints.dynamodb.endpoint);
    const repository = new TrackingRepository({
      client: documents,
      tableNames: physicalTableNames(endpoints.dynamodb.tablePrefix),
    });
    for (const [d, date] of DAYS.entries()) {
      for (let n = 0; n < 3 + (d % 3); n += 1) {
        await repository.indexCustomerFile({
          customerId: 'acme',
          fileName: `orders-${date}-${n}.csv`,
          workflowId: 'acme-orders',
          status: 'SUCCESS',
          retryCount: 0,
          date,
          timestamp: `${date}T0${n}:15:00.000Z`,
        });
      }
      await repository.indexCustomerFile({
        customerId: 'globex',
        fileName: `ledger-${date}.csv`,
        workflowId: 'globex-ledger',
        status: d === 6 ? 'IN_PROGRESS' : 'SUCCESS',
        retryCount: 0,
        date,
        timestamp: `${date}T06:00:00.000Z`,
      });
    }
    const failed = {
      customerId: 'globex',
      fileName: 'ledger <draft>.csv',
      workflowId: 'globex-ledger',
      retryCount: 3,
    } as const;
    await repository.indexCustomerFile({
      ...failed,
      status: 'FAILED',
      errorMessage: 'ACCESS_DENIED: Access Denied writing s3://globex-in/ledger <draft>.csv',
      date: '2025-06-26',
      timestamp: '2025-06-26T07:00:00.000Z',
    });
    await repository.enqueueFailure({
      ...failed,
      fingerprint: 'size=10,mtime=2025-06-26T06:59:00.000Z',
      executionId: 'exec-1',
      reasonCode: 'ACCESS_DENIED',
      lastError: 'Access Denied writing s3://globex-in/ledger <draft>.csv',
      failedAt: '2025-06-26T07:00:00.000Z',
    });
    documents.destroy();
    await mkdir(OUT_DIR, { recursive: true });
  });

  after(async () => {
    if (existsSync(join(dir, 'runtime.pid'))) await fileflow('local', 'down', '--dir', dir);
    await rm(scratch, { recursive: true, force: true });
  });

  describe('GIVEN a week of harness results and transfers in a running local runtime', () => {
    const out = join(OUT_DIR, 'report.html');
    let run: Awaited<ReturnType<typeof fileflow>>;

    before(async () => {
      run = await fileflow('report', '--local', '--local-dir', dir, '--from', DAYS[0]!, '--to', DAYS[6]!, '--out', out);
    });

    it('WHEN `fileflow report --local` runs THEN it writes the page and sums it up in one line', async () => {
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(
        `wrote ${out} (2025-06-22 to 2025-06-28): 3 flow(s), 28 run(s), 1 failed; 35 transfer(s), 1 failed\n`,
      );
      expect((await stat(out)).size).to.be.greaterThan(200_000);
      const html = await readFile(out, 'utf8');
      expect(html).to.not.match(/<(script|link|img)[^>]+(src|href)=/);
      expect(html).to.contain('ledger &lt;draft&gt;.csv');
    });

    describe('WHEN Chromium opens the page with the network refused', () => {
      let context: BrowserContext | undefined;
      let profile: string;
      let opened: Awaited<ReturnType<typeof openPage>>;
      let page: Page;

      before(async function () {
        if (!existsSync(CHROMIUM)) {
          console.warn(`      skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`);
          this.skip();
        }
        profile = await mkdtemp(join(tmpdir(), 'fileflow-chromium-'));
        context = await chromium.launchPersistentContext(profile, {
          executablePath: CHROMIUM,
          args: CHROMIUM_ARGS,
          headless: true,
          viewport: { width: 1360, height: 900 },
        });
        opened = await openPage(context, out);
        page = opened.page;
        await page.screenshot({ path: join(OUT_DIR, 'report.png'), fullPage: true });
      });

      after(async () => {
        await context?.close();
        if (profile) await rm(profile, { recursive: true, force: true });
      });

      it('THEN it renders with no console error and asks the network for nothing', () => {
        expect(opened.consoleErrors).to.deep.equal([]);
        expect(opened.requestsBeyondThePage()).to.deep.equal([]);
      });

      it('THEN the pass/fail grid has a row per flow and a cell per day, with the failed day marked', async () => {
        const grid = (await page.evaluate(
          `Array.from(document.querySelectorAll('#pass-fail tbody tr')).map(function (row) {
            return Array.from(row.cells).map(function (cell) { return cell.className + ':' + cell.textContent.trim(); });
          })`,
        )) as string[][];
        expect(grid.map((row) => row[0])).to.deep.equal([
          'flow mono:neg-wrong-key',
          'flow mono:s3-to-sftp',
          'flow mono:sftp-pull-to-s3',
        ]);
        expect(grid.every((row) => row.length === 1 + DAYS.length)).to.equal(true);
        expect(grid[1]!.slice(1)).to.deep.equal(DAYS.map(() => 'cell PASS:✓ 2/2'));
        expect(grid[2]![5]).to.equal('cell FAIL:✗ 0/1');
      });

      it('THEN every chart is drawn from data: p50, p95 and the SLO line per measured flow, transfers stacked by status per customer', async () => {
        const charts = (await page.evaluate(DRAWN_CHARTS)) as DrawnChart[];
        expect(charts.map((chart) => [chart.id, chart.type])).to.deep.equal([
          ['latency-0', 'line'],
          ['latency-1', 'line'],
          ['transfers-0', 'bar'],
          ['transfers-1', 'bar'],
        ]);
        for (const chart of charts) {
          expect(chart.width, chart.id).to.be.greaterThan(0);
          for (const dataset of chart.datasets) {
            if (chart.type === 'line') expect(dataset.points, `${chart.id} ${dataset.label}`).to.be.greaterThan(0);
          }
          expect(
            chart.datasets.reduce((sum, dataset) => sum + dataset.total, 0),
            chart.id,
          ).to.be.greaterThan(0);
        }
        expect(charts[0]!.datasets.map((dataset) => dataset.label)).to.deep.equal(['p50', 'p95', 'SLO 60 s']);
        expect(charts[0]!.datasets[2]).to.deep.equal({ label: 'SLO 60 s', points: 7, total: 420 });
        expect(charts[1]!.datasets[0]!.points).to.equal(6);
        expect(charts[2]!.datasets.map((dataset) => [dataset.label, dataset.total])).to.deep.equal([
          ['PENDING', 0],
          ['IN_PROGRESS', 0],
          ['SUCCESS', 27],
          ['FAILED', 0],
        ]);
        expect(charts[3]!.datasets.map((dataset) => [dataset.label, dataset.total])).to.deep.equal([
          ['PENDING', 0],
          ['IN_PROGRESS', 1],
          ['SUCCESS', 6],
          ['FAILED', 1],
        ]);
      });

      it('THEN the failures tables name the run id, step and reason of the failed run, and the reason of the failed transfer', async () => {
        const [runFailures, transferFailures] = (await page.evaluate(
          `['#run-failures tbody tr', '#transfer-failures tbody tr'].map(function (selector) {
            return Array.from(document.querySelectorAll(selector)).map(function (row) {
              return Array.from(row.cells).map(function (cell) { return cell.textContent.trim(); });
            });
          })`,
        )) as string[][][];
        expect(runFailures).to.have.length(1);
        expect(runFailures![0]!.slice(0, 5)).to.deep.equal([
          '2025-06-26',
          'sftp-pull-to-s3',
          'PollTarget',
          'TIMEOUT',
          'SUCCESS',
        ]);
        expect(runFailures![0]![5]).to.match(/^run-\d{4}$/);
        expect(runFailures![0]![6]).to.equal('no file at the target after 180 s');
        expect(transferFailures).to.deep.equal([
          [
            '2025-06-26',
            'globex',
            'ledger <draft>.csv',
            'globex-ledger',
            'ACCESS_DENIED',
            '3',
            'ACCESS_DENIED: Access Denied writing s3://globex-in/ledger <draft>.csv',
          ],
        ]);
      });

      it('THEN a range with no data opens as a page that says so, with no error and no request', async () => {
        const empty = join(OUT_DIR, 'report-empty.html');
        const emptyRun = await fileflow(
          'report',
          '--local',
          '--local-dir',
          dir,
          '--from',
          '2024-01-01',
          '--to',
          '2024-01-07',
          '--out',
          empty,
        );
        expect(emptyRun.code, emptyRun.stderr).to.equal(0);
        const view = await openPage(context!, empty);
        expect(await view.page.textContent('#no-data')).to.contain(
          'No flow-test results and no transfers between 2024-01-01 and 2024-01-07',
        );
        expect(await view.page.locator('canvas').count()).to.equal(0);
        expect(view.consoleErrors).to.deep.equal([]);
        expect(view.requestsBeyondThePage()).to.deep.equal([]);
      });
    });
  });

  it('GIVEN no local runtime in the directory WHEN `fileflow report --local` runs THEN it says how to start one and writes nothing', async () => {
    const nowhere = join(scratch, 'nowhere');
    const out = join(scratch, 'never.html');
    const run = await fileflow('report', '--local', '--local-dir', nowhere, '--out', out);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain(`LocalRuntimeNotRunningError: no local runtime in ${nowhere}`);
    expect(run.stderr).to.contain('fileflow local up --detach');
    expect(existsSync(out)).to.equal(false);
  });

  it('GIVEN --from after --to WHEN `fileflow report` runs THEN it is a usage error naming both days', async () => {
    const run = await fileflow(
      'report',
      '--local',
      '--local-dir',
      dir,
      '--from',
      '2025-06-28',
      '--to',
      '2025-06-01',
      '--out',
      join(scratch, 'x.html'),
    );
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain('UsageError: --from 2025-06-28 is after --to 2025-06-01');
  });
});
