/**
 * `fileflow flows run` and `fileflow results`: the test engineer's view of the harness.
 *
 * `flows run` executes the harness workflow's own ASL in-process (aws-local-stepfunctions)
 * with the same cores the Lambda handlers run. With `--local` it talks to the local
 * runtime started by `fileflow local up` (its `endpoints.json` names the servers): it
 * deliberately does not start servers of its own, because without the runtime's pipeline
 * nothing would move the seeded files and every flow would time out. Before the run it
 * mirrors the config directory into the runtime — flows and groups into the local config
 * bucket, the pipeline workflows into the runtime's workflow table — and fills in the
 * flows' `local:` placeholders, so the shipped samples run as they are. Without `--local`
 * it uses the AWS credentials of the shell against `--bucket`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import type { Command } from 'commander';
import { runLocally, type JsonValue, type LocalHandler } from '../../asl';
import { buildHarnessDefinition, createLocalHarnessHandlers, localHarnessResources } from '../../asl/workflows/harness';
import type { HarnessDeps } from '../../functions/core/harness/deps';
import type { HarnessInput } from '../../functions/core/harness/list';
import type { RecordedRun, RunRecord } from '../../functions/core/harness/record';
import { SftpSessionPool } from '../../functions/core/sftp/session-pool';
import { s3ClientFor } from '../local/s3-server';
import { formatTable, openTrackingTarget } from '../runtime/cli-support';
import { readLocalEndpoints, type LocalEndpoints } from '../runtime/endpoints-file';
import { localS3Client } from '../runtime/local-runtime';
import { putLocalWorkflow, resolveLocalFlow } from '../runtime/local-placeholders';

/** The config bucket `flows run --local` and `results --local` use unless told otherwise. */
export const LOCAL_CONFIG_BUCKET = 'fileflow-local-config';

/** Options both commands share. */
interface BucketOptions {
  readonly local?: boolean;
  readonly bucket?: string;
  readonly prefix: string;
  readonly s3Endpoint?: string;
  readonly localDir?: string;
}

interface RunOptions extends BucketOptions {
  /** With `--local`: mirror this directory's flows, groups and workflows into the runtime first. */
  readonly configDir: string;
  /** `--no-sync` sets it false: run what the local config bucket holds. */
  readonly sync: boolean;
  readonly group?: string;
  readonly flow?: string[];
  readonly concurrency: string;
  readonly alertTopicArn?: string;
  readonly json?: boolean;
}

interface ResultsOptions extends BucketOptions {
  readonly date?: string;
  readonly flow?: string;
  readonly json?: boolean;
}

/** What `flows run` reports, and whether it passed. */
export interface FlowsRunReport {
  readonly batch_id: string;
  readonly date: string;
  readonly results: RecordedRun[];
  /** 0 when every flow's outcome matches its expectation, else 1. */
  readonly exitCode: 0 | 1;
}

/** Options of {@link runFlows}. */
export interface RunFlowsOptions {
  readonly maxConcurrency?: number;
  /** Milliseconds each Wait state (back-off, post-arrival wait) pauses locally. @default 1000 */
  readonly waitMs?: number;
  /** Receives one line per finished step. @default none */
  readonly progress?: (line: string) => void;
}

const FLOW_STEPS = new Set([
  'Preflight',
  'GenerateTestData',
  'SeedSource',
  'InvokeTransfer',
  'PollTarget',
  'Validate',
  'RecordResults',
  'Cleanup',
]);

/** Wraps each handler so a line is reported when a flow's step ends. */
function withProgress(
  handlers: Record<string, LocalHandler>,
  progress: (line: string) => void,
): Record<string, LocalHandler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      async (input: JsonValue) => {
        const flowId = (input as { item?: { flow_id?: string } } | null)?.item?.flow_id ?? '';
        const started = performance.now();
        const took = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
        try {
          const output = await handler(input);
          if (name === 'PollTarget' && (output as { all_arrived?: boolean }).all_arrived !== true) {
            progress(`${flowId}: PollTarget waiting (attempt ${(output as { attempt: number }).attempt})`);
          } else if (FLOW_STEPS.has(name)) {
            progress(`${flowId}: ${name} ok (${took()})`);
          } else {
            progress(`${name} ok (${took()})`);
          }
          return output;
        } catch (error) {
          progress(
            `${flowId ? `${flowId}: ` : ''}${name} FAILED ${(error as Error).name}: ${(error as Error).message.split('\n')[0]}`,
          );
          throw error;
        }
      },
    ]),
  );
}

/**
 * Runs the harness workflow's ASL in-process over `deps` and reports every flow's verdict;
 * the exit code is 1 when any flow's outcome differs from its `expect`.
 */
export async function runFlows(
  input: HarnessInput,
  deps: HarnessDeps,
  options: RunFlowsOptions = {},
): Promise<FlowsRunReport> {
  const definition = buildHarnessDefinition(localHarnessResources(deps.configBucket, options.maxConcurrency)).toAsl();
  const handlers = createLocalHarnessHandlers(deps);
  const output = (await runLocally(definition, input as JsonValue, {
    handlers: options.progress ? withProgress(handlers, options.progress) : handlers,
    waitMs: options.waitMs ?? 1000,
  })) as unknown as { batch_id: string; date: string; results: RecordedRun[] };
  const passed = output.results.every((result) => result.outcome_matches_expectation);
  return { batch_id: output.batch_id, date: output.date, results: output.results, exitCode: passed ? 0 : 1 };
}

/** The run.json records of a day, optionally of one flow, oldest first. */
export async function readResults(s3: S3Client, bucket: string, date: string, flowId?: string): Promise<RunRecord[]> {
  const prefix = `results/dt=${date}/${flowId ? `flow_id=${flowId}/` : ''}`;
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const { Key } of page.Contents ?? []) if (Key?.endsWith('/run.json')) keys.push(Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const records = await Promise.all(
    keys.map(async (key) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return JSON.parse((await object.Body?.transformToString('utf8')) ?? 'null') as RunRecord;
    }),
  );
  return records.sort((a, b) => a.started_at.localeCompare(b.started_at) || a.flow_id.localeCompare(b.flow_id));
}

function expectation(expect: RunRecord['expect']): string {
  if (!expect) return '?';
  return expect.outcome === 'SUCCESS' ? 'SUCCESS' : `FAILURE ${expect.reason}`;
}

/** One table row per run record. */
export function resultRows(records: readonly RunRecord[]): Record<string, string>[] {
  return records.map((record) => ({
    flow: record.flow_id,
    verdict: record.outcome_matches_expectation ? 'PASS' : 'FAIL',
    outcome: `${record.outcome}${record.reason ? ` ${record.reason}` : ''}`,
    expected: expectation(record.expect),
    step: record.failed_step ?? '',
    latency_s: record.latency_seconds === null ? '' : record.latency_seconds.toFixed(1),
    run_id: record.run_id,
  }));
}

/** The config bucket the options name, its client, and (with `--local`) the runtime's endpoints. */
async function openBucket(
  options: BucketOptions,
): Promise<{ s3: S3Client; bucket: string; prefix: string; endpoints?: LocalEndpoints }> {
  const prefix = options.prefix === '' || options.prefix.endsWith('/') ? options.prefix : `${options.prefix}/`;
  if (options.local) {
    const endpoints = await readLocalEndpoints(options.localDir);
    const s3 = localS3Client(endpoints);
    const bucket = options.bucket ?? LOCAL_CONFIG_BUCKET;
    // The local runtime makes the pipeline's buckets; the harness's config bucket is ours to make.
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: Error) => {
      if (!/BucketAlready/.test(error.name)) throw error;
    });
    return { s3, bucket, prefix, endpoints };
  }
  if (!options.bucket) throw new Error('name the config bucket with --bucket, or use --local');
  const endpoint = options.s3Endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return { s3: endpoint ? s3ClientFor(endpoint) : new S3Client({}), bucket: options.bucket, prefix };
}

/** The `*.json` files directly in `dir`, sorted; none when the directory does not exist. */
async function jsonFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return entries.filter((name) => name.endsWith('.json')).sort();
}

/** What {@link syncLocalConfig} mirrored. */
export interface SyncedConfig {
  readonly flows: number;
  readonly groups: number;
  readonly removed: number;
  readonly workflows: number;
}

/**
 * Mirrors a config directory into the local runtime: `flows/*.json` and `groups/*.json`
 * are uploaded as they are (a broken file too — the harness records it as CONFIG_INVALID,
 * as it would on AWS), configs in the bucket with no file here are removed, and
 * `workflows/*.json` are stored as `fileflow workflows put --local` stores them.
 */
export async function syncLocalConfig(
  configDir: string,
  target: { s3: S3Client; bucket: string; prefix: string; localDir?: string },
): Promise<SyncedConfig> {
  const { s3, bucket, prefix } = target;
  const counts = { flows: 0, groups: 0, removed: 0, workflows: 0 };
  for (const folder of ['flows', 'groups'] as const) {
    const names = await jsonFiles(join(configDir, folder));
    for (const name of names) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}${folder}/${name}`,
          Body: await readFile(join(configDir, folder, name)),
          ContentType: 'application/json',
        }),
      );
      counts[folder] += 1;
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}${folder}/` }));
    for (const { Key } of listed.Contents ?? []) {
      if (!Key || names.includes(Key.slice(`${prefix}${folder}/`.length))) continue;
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
      counts.removed += 1;
    }
  }
  const workflows = await jsonFiles(join(configDir, 'workflows'));
  if (workflows.length > 0) {
    const tracking = await openTrackingTarget({ local: true, localDir: target.localDir });
    try {
      for (const name of workflows) {
        const definition = JSON.parse(await readFile(join(configDir, 'workflows', name), 'utf8')) as unknown;
        await putLocalWorkflow(tracking.repository, definition, tracking.endpoints!);
        counts.workflows += 1;
      }
    } finally {
      tracking.close();
    }
  }
  return counts;
}

/**
 * The harness's dependencies on the local runtime: its S3 server, its SFTP servers for the
 * flows' `local:` placeholders, and no Lambda. Pull flows need no request here: the
 * runtime's pull poller scans every source on its own tick (1 s).
 */
export function localHarnessDeps(
  endpoints: LocalEndpoints,
  parts: Pick<HarnessDeps, 's3' | 'configBucket' | 'sftpPool' | 'metrics' | 'publishAlert'> &
    Partial<Pick<HarnessDeps, 'configPrefix' | 'secretsManager'>>,
): HarnessDeps {
  return {
    ...parts,
    requestPull: async () => undefined,
    resolveLocalPlaceholders: (flow) => resolveLocalFlow(flow, endpoints),
  };
}

function withBucketOptions(command: Command): Command {
  return command
    .option(
      '--local',
      `use the local runtime (fileflow local up); config bucket ${LOCAL_CONFIG_BUCKET} unless --bucket`,
    )
    .option('--bucket <name>', 'the config bucket (config/, staging/, results/)')
    .option('--prefix <prefix>', 'key prefix of the config tree in the bucket', 'config/')
    .option(
      '--s3-endpoint <url>',
      'another S3 server (path-style); default $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL, else AWS',
    )
    .option('--local-dir <dir>', 'directory of the local runtime; default $FILEFLOW_LOCAL_DIR or .fileflow/local');
}

async function flowsRunCommand(options: RunOptions): Promise<number> {
  if (options.group && options.flow) throw new Error('give --group or --flow, not both');
  const { s3, bucket, prefix, endpoints } = await openBucket(options);
  const sftpPool = new SftpSessionPool({ idleMs: 1000 });
  let sns: SNSClient | undefined;
  let secretsManager: SecretsManagerClient | undefined;
  try {
    if (endpoints && options.sync) {
      const synced = await syncLocalConfig(resolve(options.configDir), {
        s3,
        bucket,
        prefix,
        localDir: options.localDir,
      });
      if (!options.json) {
        process.stderr.write(
          `synced ${options.configDir} into the local runtime: ${synced.flows} flow(s), ${synced.groups} group(s), ` +
            `${synced.workflows} workflow(s)${synced.removed ? `, ${synced.removed} stale config(s) removed` : ''}\n`,
        );
      }
    }
    const parts = {
      s3,
      configBucket: bucket,
      configPrefix: prefix,
      sftpPool,
      metrics: { recordRun: () => undefined },
      // Webhook URLs live in Secrets Manager, which has no local stand-in.
      secretsManager: endpoints ? undefined : (secretsManager = new SecretsManagerClient({})),
      // The harness's topic is --alert-topic-arn; a flow's own topics are reached with the
      // shell's AWS credentials, except locally, where every alert is printed.
      publishAlert: async (subject: string, message: string, topicArn?: string) => {
        const topic = topicArn === undefined ? options.alertTopicArn : endpoints ? undefined : topicArn;
        if (topic) {
          sns ??= new SNSClient({});
          await sns.send(new PublishCommand({ TopicArn: topic, Subject: subject.slice(0, 100), Message: message }));
        } else process.stderr.write(`ALERT${topicArn ? ` (${topicArn})` : ''} ${subject}\n${message}\n`);
      },
    };
    // Lambda invoke has no local stand-in: such flows fail with TriggerUnavailableError.
    const deps: HarnessDeps = endpoints ? localHarnessDeps(endpoints, parts) : parts;
    const report = await runFlows({ group: options.group, flow_ids: options.flow }, deps, {
      maxConcurrency: Number(options.concurrency),
      progress: options.json ? undefined : (line) => process.stderr.write(`${line}\n`),
    });
    const records = await Promise.all(
      report.results.map(async (result) => {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: result.result_key }));
        return JSON.parse((await object.Body?.transformToString('utf8')) ?? 'null') as RunRecord;
      }),
    );
    if (options.json) process.stdout.write(`${JSON.stringify({ ...report, records }, null, 2)}\n`);
    else process.stdout.write(formatTable(resultRows(records)));
    return report.exitCode;
  } finally {
    await sftpPool.close();
    s3.destroy();
    sns?.destroy();
    secretsManager?.destroy();
  }
}

async function resultsCommand(options: ResultsOptions): Promise<number> {
  const date = options.date ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`--date wants YYYY-MM-DD, got ${date}`);
  const { s3, bucket } = await openBucket(options);
  try {
    const records = await readResults(s3, bucket, date, options.flow);
    if (options.json) process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    else process.stdout.write(formatTable(resultRows(records)));
    return 0;
  } finally {
    s3.destroy();
  }
}

function report(body: () => Promise<number>): () => Promise<void> {
  return async () => {
    try {
      process.exitCode = await body();
    } catch (error) {
      process.stderr.write(`${(error as Error).name}: ${(error as Error).message.split('\n')[0]}\n`);
      process.exitCode = 2;
    }
  };
}

/**
 * Registers `fileflow flows run` under the `flows` command. `flows.ts` calls it, so the
 * one-command bundle the `fileflow` launcher builds for `flows` has `run` too.
 */
export function registerFlowsRun(flows: Command): void {
  const run = withBucketOptions(
    flows
      .command('run')
      .description(
        'Run the flow-test harness (the same ASL as on AWS), print a result table; exit 1 when a flow misses its expect',
      ),
  )
    .option(
      '--config-dir <dir>',
      'with --local: mirror this directory (flows/, groups/, workflows/) into the local runtime first',
      'config',
    )
    .option('--no-sync', 'with --local: run what the local config bucket holds, without mirroring --config-dir')
    .option('--group <name>', 'only the flows of this group (config/groups/<name>.json)')
    .option('--flow <id...>', 'only these flows')
    .option('--concurrency <n>', 'flows tested at once', '4')
    .option('--alert-topic-arn <arn>', 'publish the aggregated alert to this SNS topic; default: print it on stderr')
    .option('--json', 'print the verdicts and run records as JSON');
  run.action((options: RunOptions) => report(() => flowsRunCommand(options))());
}

/** Registers `fileflow results`. */
export function register(program: Command): void {
  const results = withBucketOptions(
    program.command('results').description('Show the harness results of a day: one row per run.json'),
  )
    .option('--date <YYYY-MM-DD>', 'the day (UTC); default today')
    .option('--flow <id>', 'only this flow')
    .option('--json', 'print the run records as JSON');
  results.action((options: ResultsOptions) => report(() => resultsCommand(options))());
}
