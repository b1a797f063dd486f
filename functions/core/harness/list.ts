/** ListEnabledTests: the flows a run covers, each snapshotted into staging so every step sees the same config. */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { Flow, localPlaceholderEndpoints } from '../flows/schema';
import { loadFlowsFromBucket, type InvalidFlowConfig } from '../flows/load';
import { nowOf, type HarnessDeps } from './deps';
import { stagingKey, type FlowRun, type ObjectPointer } from './model';

/** The execution input: a group, explicit flows, or (neither) every enabled flow. */
export const HarnessInput = z.strictObject({
  group: z.string().min(1).optional(),
  flow_ids: z.array(z.string().min(1)).min(1).optional(),
  /** Seed for the synthetic bytes; reuse a past run's seed to regenerate its files. @default the run id */
  seed: z.string().min(1).optional(),
  /** Anything the scheduler adds (`trigger: "daily"`) is accepted and ignored. */
  trigger: z.string().optional(),
});
/** The execution input. */
export type HarnessInput = z.infer<typeof HarnessInput>;

/** What ListEnabledTests returns: the Map items, one per flow (CONFIG_INVALID ones included). */
export interface ListedRuns {
  readonly batch_id: string;
  readonly date: string;
  readonly runs: FlowRun[];
}

function compactTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Lists the selected, enabled flows. Each valid flow's parsed config is written to
 * `staging/<run_id>/flow.json` and travels as a pointer; an invalid one travels with its
 * errors and is recorded as CONFIG_INVALID without stopping the others.
 */
export async function listEnabledTests(input: HarnessInput, deps: HarnessDeps): Promise<ListedRuns> {
  const started = nowOf(deps);
  const date = started.toISOString().slice(0, 10);
  const batchId = `${compactTime(started)}-${randomUUID().slice(0, 8)}`;
  const { flows, invalid } = await loadFlowsFromBucket(deps.s3, deps.configBucket, deps.configPrefix ?? 'config/', {
    group: input.group,
    flowIds: input.flow_ids,
  });
  const runOf = (flowId: string) => {
    const runId = `${flowId}-${batchId}`;
    return { flow_id: flowId, run_id: runId, date, started_at: started.toISOString(), seed: input.seed ?? runId };
  };
  const runs: FlowRun[] = [];
  const placeholderErrors: InvalidFlowConfig[] = [];
  for (const listed of flows) {
    const flow = resolvePlaceholders(listed, deps, deps.configPrefix ?? 'config/');
    if ('errors' in flow) {
      placeholderErrors.push(flow);
      continue;
    }
    const run = runOf(flow.flow_id);
    const config = { bucket: deps.configBucket, key: stagingKey(run.run_id, 'flow.json') };
    await deps.s3.send(
      new PutObjectCommand({
        ...{ Bucket: config.bucket, Key: config.key },
        Body: JSON.stringify(flow),
        ContentType: 'application/json',
      }),
    );
    runs.push({ ...run, config });
  }
  for (const entry of [...invalid, ...placeholderErrors]) {
    const errors = entry.errors.map((error) => `${error.path}: ${error.message}`).join('; ');
    runs.push({ ...runOf(entry.flow_id), config_error: `${entry.key}: ${errors}`.slice(0, 2000) });
  }
  return { batch_id: batchId, date, runs };
}

/**
 * The flow with its `local:` placeholders filled in by the local runtime, or why it cannot
 * run here: on AWS a placeholder names nothing, and locally it may name no server.
 */
function resolvePlaceholders(flow: Flow, deps: HarnessDeps, prefix: string): Flow | InvalidFlowConfig {
  const placeholders = localPlaceholderEndpoints(flow);
  if (placeholders.length === 0) return flow;
  const invalid = (errors: { path: string; message: string }[]): InvalidFlowConfig => ({
    key: `${prefix}flows/${flow.flow_id}.json`,
    flow_id: flow.flow_id,
    reason: 'CONFIG_INVALID',
    errors,
  });
  if (!deps.resolveLocalPlaceholders) {
    return invalid(
      placeholders.map(({ path }) => ({
        path: `${path}.host`,
        message:
          'a local: placeholder names a server of the local runtime; run this flow with fileflow flows run --local',
      })),
    );
  }
  try {
    return Flow.parse(deps.resolveLocalPlaceholders(flow));
  } catch (error) {
    return invalid([{ path: '$', message: (error as Error).message }]);
  }
}

/** Reads a run's config snapshot. */
export async function loadFlowSnapshot(deps: HarnessDeps, pointer: ObjectPointer): Promise<Flow> {
  const object = await deps.s3.send(new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
  return Flow.parse(JSON.parse((await object.Body?.transformToString('utf8')) ?? 'null'));
}
