/**
 * Reading the flows a harness run covers from the config bucket. A broken file costs
 * only its own flow (reported as CONFIG_INVALID); every other flow still runs.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { declaredString } from './config-set';
import { decodeJson, parseFlow, parseGroupJson, type ConfigError } from './parse';
import type { ReasonCode } from './reason-codes';
import type { Flow, FlowGroup } from './schema';

/** Which flows a run covers; both narrow the set, and disabled flows never run. */
export interface FlowSelection {
  /** Only the flows named by `<prefix>groups/<group>.json`. @default every flow */
  readonly group?: string;
  /** Only these flows. @default every flow */
  readonly flowIds?: readonly string[];
}

/** A selected flow whose config could not be used; the run records it and moves on. */
export interface InvalidFlowConfig {
  /** The object key of the config (or where it was expected). */
  readonly key: string;
  /** From the file's JSON when readable, else from its key. */
  readonly flow_id: string;
  readonly reason: Extract<ReasonCode, 'CONFIG_INVALID'>;
  readonly errors: readonly ConfigError[];
}

/** The flows to run, and the selected ones that cannot run. */
export interface LoadedFlows {
  /** Valid, enabled, selected flows, sorted by flow_id. */
  readonly flows: Flow[];
  readonly invalid: InvalidFlowConfig[];
}

/** The group a run asked for has no file in the config bucket. */
export class FlowGroupNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The group a run asked for exists but does not parse, so the selection is unknown. */
export class FlowGroupInvalidError extends Error {
  constructor(
    message: string,
    readonly errors: readonly ConfigError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Keys of `<prefix>flows/*.json`, the config objects one level under `flows/`. */
async function listFlowKeys(s3: S3Client, bucket: string, flowsPrefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: flowsPrefix, ContinuationToken: token }),
    );
    for (const { Key } of page.Contents ?? []) {
      const name = Key?.slice(flowsPrefix.length);
      if (Key && name && !name.includes('/') && name.endsWith('.json')) keys.push(Key);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

/** Runs `work` over `items`, at most `limit` at a time, keeping order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

type ReadFlow = { key: string; flow: Flow } | { key: string; invalid: InvalidFlowConfig; enabled: boolean };

async function readFlow(s3: S3Client, bucket: string, key: string, idFromKey: string): Promise<ReadFlow> {
  const invalid = (flowId: string, errors: ConfigError[], enabled = true): ReadFlow => ({
    key,
    invalid: { key, flow_id: flowId, reason: 'CONFIG_INVALID', errors },
    enabled,
  });
  let text: string;
  try {
    text = await readText(s3, bucket, key);
  } catch (error) {
    return invalid(idFromKey, [{ path: '$', message: `could not be read: ${(error as Error).message}` }]);
  }
  const decoded = decodeJson(text);
  if (!decoded.ok) return invalid(idFromKey, decoded.errors);
  const flowId = declaredString(decoded.raw, 'flow_id') ?? idFromKey;
  // A file that says it is disabled is skipped even when broken: nobody asked for it to run.
  const enabled = (decoded.raw as { enabled?: unknown } | null)?.enabled !== false;
  const parsed = parseFlow(decoded.raw);
  if (!parsed.ok) return invalid(flowId, [...parsed.errors], enabled);
  // The key is the flow's identity in the bucket; a file naming another flow would run it twice.
  if (parsed.flow.flow_id !== idFromKey) {
    return invalid(
      flowId,
      [{ path: '$.flow_id', message: `"${flowId}" does not match the file name ${key}` }],
      enabled,
    );
  }
  return { key, flow: parsed.flow };
}

async function readGroup(s3: S3Client, bucket: string, prefix: string, name: string): Promise<FlowGroup> {
  const key = `${prefix}groups/${name}.json`;
  let text: string;
  try {
    text = await readText(s3, bucket, key);
  } catch (error) {
    const code = (error as { name?: string }).name;
    if (code === 'NoSuchKey' || code === 'NotFound')
      throw new FlowGroupNotFoundError(`no group "${name}": s3://${bucket}/${key} does not exist`);
    throw error;
  }
  const parsed = parseGroupJson(text);
  if (!parsed.ok) {
    const details = parsed.errors.map((error) => `${error.path}: ${error.message}`).join('; ');
    throw new FlowGroupInvalidError(`group "${name}" (s3://${bucket}/${key}) is invalid: ${details}`, parsed.errors);
  }
  return parsed.group;
}

/**
 * Loads the flows a run covers from `s3://<bucket>/<prefix>flows/<flow_id>.json`, narrowed
 * by `selection`. Invalid configs become CONFIG_INVALID entries (disabled ones are skipped
 * like any disabled flow); a selected flow with no file is one too. Throws only when the
 * bucket cannot be listed or the named group is missing or invalid.
 */
export async function loadFlowsFromBucket(
  s3: S3Client,
  bucket: string,
  prefix: string,
  selection: FlowSelection = {},
): Promise<LoadedFlows> {
  const flowsPrefix = `${prefix}flows/`;
  const group = selection.group === undefined ? undefined : await readGroup(s3, bucket, prefix, selection.group);
  let wanted: Set<string> | undefined; // undefined: every flow
  for (const ids of [group?.flow_ids, selection.flowIds]) {
    if (ids) wanted = new Set(ids.filter((id) => wanted === undefined || wanted.has(id)));
  }

  const idOf = (key: string) => key.slice(flowsPrefix.length, -'.json'.length);
  const keys = (await listFlowKeys(s3, bucket, flowsPrefix)).filter(
    (key) => wanted === undefined || wanted.has(idOf(key)),
  );
  const read = await mapLimited(keys, 8, (key) => readFlow(s3, bucket, key, idOf(key)));

  const flows: Flow[] = [];
  const invalid: InvalidFlowConfig[] = [];
  for (const entry of read) {
    if ('flow' in entry) {
      if (entry.flow.enabled) flows.push(entry.flow);
    } else if (entry.enabled) {
      invalid.push(entry.invalid);
    }
  }
  const found = new Set(keys.map(idOf));
  const namedBy = group ? `group "${group.name}"` : 'the run';
  for (const id of wanted ?? []) {
    if (found.has(id)) continue;
    const key = `${flowsPrefix}${id}.json`;
    invalid.push({
      key,
      flow_id: id,
      reason: 'CONFIG_INVALID',
      errors: [{ path: '$', message: `${namedBy} names this flow, but s3://${bucket}/${key} does not exist` }],
    });
  }
  flows.sort((a, b) => a.flow_id.localeCompare(b.flow_id));
  invalid.sort((a, b) => a.flow_id.localeCompare(b.flow_id));
  return { flows, invalid };
}
