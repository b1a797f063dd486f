/** RecordResults, Cleanup and the aggregated alert: what a run leaves behind. */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { classifyError, NotFoundError } from '../errors';
import { REASON_DESCRIPTIONS, ReasonCode } from '../flows/reason-codes';
import { Expectation, flowTargets, type AlertChannel, type Flow } from '../flows/schema';
import { deliverToChannel, type ChannelDelivery } from './alerts';
import { configObject, flowEndpoint, nowOf, type HarnessDeps } from './deps';
import { messageOf, reasonOf, stagingKey, testFileNames, type FlowRun, type StepFailure } from './model';

/** The steps of one flow run, in workflow order, with the key of their result in the iteration state. */
export const RUN_STEPS = [
  ['Preflight', 'preflight'],
  ['GenerateTestData', 'testdata'],
  ['SeedSource', 'seeded'],
  ['InvokeTransfer', 'transfer'],
  ['PollTarget', 'poll'],
  ['Validate', 'validation'],
] as const;

/** When a step ran; every step's result carries one. */
export const StepTiming = z.object({ started_at: z.iso.datetime(), finished_at: z.iso.datetime() });
/** When a step ran. */
export type StepTiming = z.infer<typeof StepTiming>;

/** One step in `run.json`. */
export const RecordedStep = z.object({
  step: z.string(),
  status: z.enum(['OK', 'FAILED']),
  started_at: z.string().optional(),
  finished_at: z.string().optional(),
  seconds: z.number().optional(),
});
/** One step in `run.json`. */
export type RecordedStep = z.infer<typeof RecordedStep>;

/**
 * The content of `run.json`: one line per run, read back by the report, the CLI and Athena.
 * The Glue table over the results (`modules/results-catalog.ts`) takes its columns from this
 * schema, and every record is checked against it before it is written, so the file and the
 * table cannot drift apart.
 */
export const RunRecord = z.object({
  schema_ver: z.literal(1),
  flow_id: z.string(),
  run_id: z.string(),
  date: z.string(),
  started_at: z.string(),
  finished_at: z.string(),
  outcome: z.enum(['SUCCESS', 'FAILURE']),
  /** Why it failed; UNEXPECTED_SUCCESS when a negative flow did not fail. */
  reason: ReasonCode.nullable(),
  reason_detail: z.string().nullable(),
  failed_step: z.string().nullable(),
  expect: Expectation.nullable(),
  outcome_matches_expectation: z.boolean(),
  steps: z.array(RecordedStep),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string() })),
  arrived: z.array(
    z.object({ target: z.string(), bytes: z.number().int(), sha256: z.string(), latency_seconds: z.number() }),
  ),
  bytes: z.number().int().nullable(),
  latency_seconds: z.number().nullable(),
  slo_seconds: z.number().int().nullable(),
  seed: z.string(),
  config: z.object({ bucket: z.string(), key: z.string() }).nullable(),
});
/** The content of `run.json`. */
export type RunRecord = z.infer<typeof RunRecord>;

/** What RecordResults hands on (and the Map collects per flow): the verdict, no details. */
export interface RecordedRun {
  readonly flow_id: string;
  readonly run_id: string;
  readonly outcome: 'SUCCESS' | 'FAILURE';
  readonly reason: ReasonCode | null;
  readonly failed_step: string | null;
  readonly outcome_matches_expectation: boolean;
  readonly result_key: string;
  readonly delete_after: boolean;
  readonly alert_on_failure: boolean;
  /** The flow's own alert channels (`alerts.channels`); absent when results could not be recorded. */
  readonly alert_channels?: AlertChannel[];
}

/** The iteration state RecordResults reads: whatever steps got to report. */
export interface RunState {
  readonly item: FlowRun;
  readonly preflight?: { timing: StepTiming };
  readonly testdata?: { files: { name: string; bytes: number; sha256: string }[]; timing: StepTiming };
  readonly seeded?: { timing: StepTiming };
  readonly transfer?: { timing: StepTiming };
  readonly poll?: { timing?: StepTiming; attempt: number };
  readonly validation?: {
    checks: RunRecord['arrived'];
    bytes: number;
    latency_seconds: number;
    timing: StepTiming;
  };
  readonly failure?: StepFailure;
}

/** `results/dt=<date>/flow_id=<flow>/run_id=<run>/` — Hive-style, so Athena can partition on it. */
export function resultPrefix(date: string, flowId: string, runId: string): string {
  return `results/dt=${date}/flow_id=${flowId}/run_id=${runId}/`;
}

function seconds(timing: StepTiming): number {
  return (new Date(timing.finished_at).getTime() - new Date(timing.started_at).getTime()) / 1000;
}

function summaryText(record: RunRecord): string {
  const verdict = record.outcome_matches_expectation ? 'PASS' : 'FAIL';
  const expected = record.expect
    ? record.expect.outcome === 'SUCCESS'
      ? 'SUCCESS'
      : `FAILURE ${record.expect.reason}`
    : 'unknown (config invalid)';
  const lines = [
    `${verdict}  ${record.flow_id}  run ${record.run_id}`,
    `outcome   ${record.outcome}${record.reason ? ` ${record.reason}` : ''} (expected ${expected})`,
  ];
  if (record.failed_step) lines.push(`step      ${record.failed_step}: ${record.reason_detail ?? ''}`);
  if (record.reason) lines.push(`meaning   ${REASON_DESCRIPTIONS[record.reason]}`);
  if (record.latency_seconds !== null)
    lines.push(`latency   ${record.latency_seconds.toFixed(1)} s (SLO ${record.slo_seconds} s)`);
  if (record.bytes !== null) lines.push(`bytes     ${record.bytes}`);
  for (const step of record.steps) {
    lines.push(
      `  ${step.status.padEnd(6)} ${step.step.padEnd(17)} ${step.seconds === undefined ? '' : `${step.seconds.toFixed(2)} s`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * RecordResults: the verdict of one flow run. Writes `run.json` and `summary.txt` under
 * {@link resultPrefix} and the metrics `RunSuccess` / `TransferLatencySeconds`. A negative
 * flow whose run failed with the expected reason passes.
 */
export async function recordResults(state: RunState, flow: Flow | undefined, deps: HarnessDeps): Promise<RecordedRun> {
  const { item, failure, validation } = state;
  const steps: RecordedStep[] = [];
  for (const [step, key] of RUN_STEPS) {
    const timing = (state[key] as { timing?: StepTiming } | undefined)?.timing;
    if (timing && failure?.step !== step) steps.push({ step, status: 'OK', ...timing, seconds: seconds(timing) });
  }
  if (failure) steps.push({ step: failure.step, status: 'FAILED' });

  const happened: ReasonCode | null = failure ? reasonOf(failure) : null;
  const expect = flow?.expect ?? null;
  const matches = expect !== null && (expect.outcome === 'SUCCESS' ? happened === null : happened === expect.reason);
  const reason: ReasonCode | null = happened ?? (expect?.outcome === 'FAILURE' ? 'UNEXPECTED_SUCCESS' : null);

  const record: RunRecord = {
    schema_ver: 1,
    flow_id: item.flow_id,
    run_id: item.run_id,
    date: item.date,
    started_at: item.started_at,
    finished_at: nowOf(deps).toISOString(),
    outcome: failure ? 'FAILURE' : 'SUCCESS',
    reason,
    reason_detail: failure ? messageOf(failure) : null,
    failed_step: failure?.step ?? null,
    expect,
    outcome_matches_expectation: matches,
    steps,
    files: (state.testdata?.files ?? []).map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 })),
    arrived: validation?.checks ?? [],
    bytes: validation?.bytes ?? null,
    latency_seconds: validation?.latency_seconds ?? null,
    slo_seconds: flow?.validation.expect_within_seconds ?? null,
    seed: item.seed,
    config: item.config ?? null,
  };
  const prefix = resultPrefix(item.date, item.flow_id, item.run_id);
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.configBucket,
      Key: `${prefix}run.json`,
      // One line: Athena's JSON SerDes read one record per line (the results table in Glue).
      Body: `${JSON.stringify(RunRecord.parse(record))}\n`,
      ContentType: 'application/json',
    }),
  );
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.configBucket,
      Key: `${prefix}summary.txt`,
      Body: summaryText(record),
      ContentType: 'text/plain',
    }),
  );
  await deps.metrics.recordRun(item.flow_id, matches ? 1 : 0, record.latency_seconds ?? undefined);
  return {
    flow_id: item.flow_id,
    run_id: item.run_id,
    outcome: record.outcome,
    reason,
    failed_step: record.failed_step,
    outcome_matches_expectation: matches,
    result_key: `${prefix}run.json`,
    delete_after: flow?.testdata.delete_after ?? false,
    alert_on_failure: flow?.alerts?.on_failure ?? true,
    alert_channels: flow?.alerts?.channels ?? [],
  };
}

/**
 * Cleanup: deletes the run's staged files, the seeded files at the source and the arrived
 * files at every target. The sidecars under `manifests/` stay: with `results/` they are
 * the run's record. Best effort: what is already gone is fine, other
 * errors are reported, not thrown — the lifecycle rules on staging and synthetic tags
 * catch leftovers.
 */
export async function cleanup(
  item: FlowRun,
  flow: Flow,
  deps: HarnessDeps,
): Promise<{ deleted: number; failed: string[] }> {
  const names = testFileNames(flow.testdata, item.run_id);
  const endpoints = [
    ...names.map((name) => configObject(deps, stagingKey(item.run_id, name))),
    ...names.map((name) => flowEndpoint(flow.source, name, deps)),
    ...names.flatMap((name) => flowTargets(flow).map((target) => flowEndpoint(target, name, deps))),
  ];
  let deleted = 0;
  const failed: string[] = [];
  for (const endpoint of endpoints) {
    try {
      // S3 deletes of absent keys succeed silently; stat first so `deleted` counts real files.
      await endpoint.stat();
      await endpoint.delete();
      deleted += 1;
    } catch (error) {
      const classified = classifyError(error);
      if (!(classified instanceof NotFoundError))
        failed.push(`${endpoint.uri}: ${classified.code} ${classified.message}`);
    }
  }
  return { deleted, failed };
}

/**
 * After the Map: ONE alert listing every flow whose outcome differs from its expectation
 * (flows with `alerts.on_failure: false` stay silent) to the harness's topic, and one to
 * each channel the failing flows name, listing the failures of the flows that named it.
 * Nothing is sent when all passed.
 */
export async function alertOnFailures(
  batchId: string,
  date: string,
  results: readonly RecordedRun[],
  deps: HarnessDeps,
): Promise<{ failures: number; alerted: boolean; channels: ChannelDelivery[] }> {
  const failing = results.filter((result) => !result.outcome_matches_expectation);
  const loud = failing.filter((result) => result.alert_on_failure);
  if (loud.length === 0) return { failures: failing.length, alerted: false, channels: [] };
  const alertOf = (flows: readonly RecordedRun[]) => ({
    subject: `fileflow: ${flows.length} of ${results.length} flow test(s) failed (${date})`,
    text: [
      `Flow-test run ${batchId} on ${date}: ${flows.length} of ${results.length} flow(s) did not meet their expectation.`,
      '',
      ...flows.map(
        (result) =>
          `- ${result.flow_id}: ${result.outcome} ${result.reason ?? ''}${result.failed_step ? ` at ${result.failed_step}` : ''} ` +
          `(s3://${deps.configBucket}/${result.result_key})`,
      ),
    ].join('\n'),
    batchId,
  });
  const everything = alertOf(loud);
  await deps.publishAlert(everything.subject, everything.text);

  const byChannel = new Map<string, { channel: AlertChannel; flows: RecordedRun[] }>();
  for (const result of loud) {
    for (const channel of result.alert_channels ?? []) {
      const key = JSON.stringify(channel);
      const entry = byChannel.get(key) ?? { channel, flows: [] };
      entry.flows.push(result);
      byChannel.set(key, entry);
    }
  }
  const channels = await Promise.all(
    [...byChannel.values()].map(({ channel, flows }) => deliverToChannel(channel, alertOf(flows), flows.length, deps)),
  );
  return { failures: failing.length, alerted: true, channels };
}
