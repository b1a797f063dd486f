/** Harness run records and customer file entries as the report reads them. */
import type { RunRecord } from '../../functions/core/harness/record';
import type { TransferEntry } from '../../functions/core/report/model';

let runCounter = 0;

/** A `run.json` of a flow that passed on `date` with `latency` seconds, unless overridden. */
export function runRecord(flowId: string, date: string, overrides: Partial<RunRecord> = {}): RunRecord {
  runCounter += 1;
  const started = `${date}T02:${String(runCounter % 60).padStart(2, '0')}:00.000Z`;
  return {
    schema_ver: 1,
    flow_id: flowId,
    run_id: `run-${String(runCounter).padStart(4, '0')}`,
    date,
    started_at: started,
    finished_at: started,
    outcome: 'SUCCESS',
    reason: null,
    reason_detail: null,
    failed_step: null,
    expect: { outcome: 'SUCCESS' },
    outcome_matches_expectation: true,
    steps: [],
    files: [],
    arrived: [],
    bytes: 1024,
    latency_seconds: 12,
    slo_seconds: 300,
    seed: 'seed',
    config: null,
    ...overrides,
  };
}

/** A run that missed its expectation: the transfer timed out at PollTarget. */
export function failedRun(flowId: string, date: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return runRecord(flowId, date, {
    outcome: 'FAILURE',
    reason: 'TIMEOUT',
    reason_detail: 'the file did not arrive within 300 s',
    failed_step: 'PollTarget',
    outcome_matches_expectation: false,
    latency_seconds: null,
    bytes: null,
    ...overrides,
  });
}

/** One customer file index entry. */
export function transfer(
  customerId: string,
  fileName: string,
  date: string,
  status: TransferEntry['status'],
  overrides: Partial<TransferEntry> = {},
): TransferEntry {
  return {
    customerId,
    fileName,
    date,
    workflowId: 'wf-orders',
    status,
    timestamp: `${date}T10:00:00.000Z`,
    retryCount: 0,
    ...overrides,
  };
}
