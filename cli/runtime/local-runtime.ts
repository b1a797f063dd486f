/**
 * The local runtime: the transfer pipeline of AWS on loopback servers, so a
 * user tries a workflow before deploying it.
 *
 * | AWS                                      | here                                                        |
 * |------------------------------------------|-------------------------------------------------------------|
 * | S3 landing + targets buckets             | s3rver (child process)                                      |
 * | DynamoDB tracking tables                 | dynalite in this process, tables from the same specs        |
 * | partner SFTP servers                     | two OpenSSH sshd: `source` (pulled from), `target`          |
 * | S3 → EventBridge `Object Created`        | {@link LandingWatcher}: listing with a seen-set             |
 * | rule → SQS (DLQ) → Pipe → StartExecution | {@link LocalQueue} drained by the local pipe below          |
 * | Standard state machine                   | the same ASL in aws-local-stepfunctions, same handler cores |
 * | pull poller on a schedule                | {@link PullPoller} every `pollIntervalMs`                   |
 *
 * Everything the runtime starts is stopped by `stop()`; `endpoints.json`
 * tells other processes where the servers are.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JsonValue } from '../../asl/json';
import { SftpSessionPool } from '../../functions/core/sftp/session-pool';
import { TrackingRepository } from '../../functions/core/tracking/repository';
import { physicalTableNames, trackingTableSpecs } from '../../functions/core/tracking/tables';
import { createTables, localDocumentClient, localDynamoClient, startDynamo } from '../local/dynamodb';
import { S3RVER_CREDENTIALS, s3ClientFor, startS3Server } from '../local/s3-server';
import { startSshd } from '../local/sshd';
import {
  LOCAL_SFTP_SERVERS,
  localDir,
  writeLocalEndpoints,
  type LocalChatBotEndpoint,
  type LocalEndpoints,
  type LocalSftpServer,
  type LocalSftpServerName,
} from './endpoints-file';
import { LandingWatcher, type ObjectCreatedEvent } from './landing-watcher';
import { LocalQueue, type DeadLetter } from './local-queue';
import { findChild, isRunning } from './processes';
import { EXECUTION_ALREADY_EXISTS } from '../../functions/core/pull/poller';
import { PullPoller } from './pull-poller';
import { Ticker } from './ticker';
import { createLocalTransferWorkflow } from './transfer-workflow';

/** Bucket names of the local runtime; fixed, so sample workflows can name them. */
const LOCAL_BUCKETS = { landing: 'fileflow-local-landing', targets: 'fileflow-local-targets' } as const;

/** Table name prefix of the local runtime: tables are `fileflow-local-<suffix>`. */
const LOCAL_TABLE_PREFIX = 'fileflow-local';

/** File holding the pid of the process that runs the runtime. */
export const RUNTIME_PID_FILE = 'runtime.pid';

/** How often the local pipe looks at an otherwise quiet queue. */
const PIPE_POLL_MS = 100;

/** Region the local clients sign with (the servers accept any). */
const LOCAL_REGION = 'us-east-1';

/** Landing keys the local rule forwards, as the AWS rule does for each customer's prefixes. */
const LANDING_KEY = /^(?:inbound|from-sftp)\/[^/]+\/./;

/** What starts an execution. */
export type ExecutionTrigger = 'object-created' | 'pull';

/** One execution of the transfer workflow, as observed by the runtime. */
export interface ExecutionRecord {
  /** Unique in the runtime, as on one state machine; the workflow sees it as `$$.Execution.Name`. */
  readonly executionName: string;
  readonly trigger: ExecutionTrigger;
  readonly input: JsonValue;
  readonly startedAt: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  stoppedAt?: string;
  output?: JsonValue;
  /** Error name and message of a failed execution. */
  error?: string;
}

/** What the transfer wiring gets to build the workflow's handlers on. */
export interface LocalRuntimeContext {
  readonly endpoints: LocalEndpoints;
  readonly repository: TrackingRepository;
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly sftpPool: SftpSessionPool;
  /** The SFTP server an `endpointRef` names (`source`, `target`), or `undefined`. */
  resolveEndpointRef(endpointRef: string): LocalSftpServer | undefined;
  /** Lets go of the clients and SFTP sessions. */
  close(): Promise<void>;
}

/** The transfer workflow as the runtime drives it: the same ASL, the same handler cores. */
export interface LocalTransferWorkflow {
  /** Runs one execution, named `executionName`, to its end: resolves with the output, rejects when it fails. */
  run(input: JsonValue, executionName: string): Promise<JsonValue>;
}

/** Options of {@link startLocalRuntime}. */
export interface LocalRuntimeOptions {
  /** Home of the runtime (servers' state, keys, `endpoints.json`). @default `$FILEFLOW_LOCAL_DIR` or `.fileflow/local` */
  readonly dir?: string;
  /** Builds the transfer workflow on the runtime's clients. @default the pipeline's workflow (`./transfer-workflow`) */
  readonly workflow?: (context: LocalRuntimeContext) => LocalTransferWorkflow;
  /**
   * Whether the default workflow waits its retry back-off (`as-defined`, as on AWS) or
   * retries at once (`skipped`). @default 'skipped'
   */
  readonly waits?: 'as-defined' | 'skipped';
  /** How often the landing bucket is listed. @default 200 ms */
  readonly scanIntervalMs?: number;
  /** How often pull sources are looked at; a file starts after two identical looks. @default 1000 ms */
  readonly pollIntervalMs?: number;
  /** SQS visibility timeout of the local queue. @default 300_000 ms (as the AWS queue) */
  readonly visibilityTimeoutMs?: number;
  /** A message the pipe could not start is delivered again after this delay (on AWS: after the visibility timeout). @default 200 ms */
  readonly redeliveryDelayMs?: number;
  /** Deliveries before a message moves to the dead-letter queue. @default 5 (as the AWS queue) */
  readonly maxReceiveCount?: number;
  /** Executions running at once. @default 8 */
  readonly maxConcurrentExecutions?: number;
  /** Where background errors (a failed scan or poll) go. @default stderr */
  readonly onError?: (error: unknown) => void;
  /** Serves the chat bot on the runtime's data (`localChatBot` in `./chatbot-server`). @default no chat bot */
  readonly chatBot?: (
    context: LocalRuntimeContext,
  ) => Promise<{ readonly endpoint: LocalChatBotEndpoint; stop(): Promise<void> }>;
}

/** A running local runtime. */
export interface LocalRuntime {
  readonly endpoints: LocalEndpoints;
  /** Path of `endpoints.json`. */
  readonly endpointsFile: string;
  /** Every execution so far, oldest first. */
  readonly executions: readonly ExecutionRecord[];
  /** Every `Object Created` event the local rule forwarded to the queue, oldest first. */
  readonly events: readonly ObjectCreatedEvent[];
  /** Messages the local pipe gave up on. */
  readonly deadLetters: readonly DeadLetter[];
  /** The queue between the local event bus and the pipe (tests send raw, even malformed, messages). */
  readonly queue: LocalQueue;
  readonly repository: TrackingRepository;
  /** Puts an `Object Created` event on the local bus, as S3 does on AWS (tests use it to deliver an event twice). */
  publish(event: ObjectCreatedEvent): void;
  /**
   * Resolves once nothing is left to do: a landing scan and a pull poll that
   * started after the call found nothing new, no file waits for its second
   * look, the queue is empty and no execution runs.
   */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops the loops, then every server; removes `endpoints.json` and the pid file, nothing else. */
  stop(): Promise<void>;
}

/** Thrown when the directory already has a live runtime. */
export class LocalRuntimeAlreadyRunningError extends Error {
  constructor(dir: string, pid: number) {
    super(`a local runtime (pid ${pid}) already runs in ${dir}; stop it with: fileflow local down`);
    this.name = 'LocalRuntimeAlreadyRunningError';
  }
}

/** Starts servers, tables, buckets and loops; see the module comment. */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const dir = localDir(options.dir);
  await mkdir(dir, { recursive: true });
  await refuseSecondRuntime(dir);
  const onError = options.onError ?? ((error: unknown) => process.stderr.write(`local runtime: ${describe(error)}\n`));

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(onError);
  };
  try {
    const roots = Object.fromEntries(LOCAL_SFTP_SERVERS.map((name) => [name, join(dir, 'sftp', name)])) as Record<
      LocalSftpServerName,
      string
    >;
    await Promise.all(Object.values(roots).map((root) => mkdir(root, { recursive: true })));
    const [s3Server, dynamo, source, target] = await Promise.all([
      startS3Server({ dir: join(dir, 's3'), buckets: Object.values(LOCAL_BUCKETS) }),
      startDynamo(),
      startSshd({ dir: join(dir, 'sshd-source') }),
      startSshd({ dir: join(dir, 'sshd-target') }),
    ]);
    stops.push(s3Server.stop, dynamo.stop, source.stop, target.stop);

    const tableClient = localDynamoClient(dynamo.endpoint);
    await createTables(tableClient, trackingTableSpecs(), LOCAL_TABLE_PREFIX);
    tableClient.destroy();

    const sftpEntry = (name: LocalSftpServerName, sshd: typeof source): LocalSftpServer => {
      const [username, privateKeyFile] = Object.entries(sshd.clientKeys)[0]!;
      return {
        host: sshd.host,
        port: sshd.port,
        username,
        privateKeyFile,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
        knownHostsLine: sshd.knownHostsLine,
        root: roots[name],
        pid: childPid(sshdMarker(dir, name)),
      };
    };
    const endpoints: LocalEndpoints = {
      version: 1,
      startedAt: new Date().toISOString(),
      dir,
      runtimePid: process.pid,
      s3: {
        endpoint: s3Server.endpoint,
        region: LOCAL_REGION,
        // Copied field by field: the SDK marks credential objects it was given (`$source`).
        accessKeyId: S3RVER_CREDENTIALS.accessKeyId,
        secretAccessKey: S3RVER_CREDENTIALS.secretAccessKey,
        pid: childPid(s3rverMarker(dir)),
        buckets: { ...LOCAL_BUCKETS },
      },
      dynamodb: {
        endpoint: dynamo.endpoint,
        region: 'local',
        tablePrefix: LOCAL_TABLE_PREFIX,
        tables: { ...physicalTableNames(LOCAL_TABLE_PREFIX) },
      },
      sftp: { source: sftpEntry('source', source), target: sftpEntry('target', target) },
    };

    const context = openRuntimeContext(endpoints);
    stops.push(() => context.close());
    const workflow = options.workflow
      ? options.workflow(context)
      : createLocalTransferWorkflow(context, { waits: options.waits });

    const loop = new EventLoop(workflow, context, options, onError);
    stops.push(() => loop.stop());
    await loop.start();
    if (options.chatBot) {
      const chatBot = await options.chatBot(context);
      stops.push(() => chatBot.stop());
      endpoints.chatbot = chatBot.endpoint;
    }

    const endpointsFile = await writeLocalEndpoints(endpoints);
    const pidFile = join(dir, RUNTIME_PID_FILE);
    await writeFile(pidFile, `${process.pid}\n`);
    stops.push(() => rm(pidFile, { force: true }));
    stops.push(() => rm(endpointsFile, { force: true }));

    let stopping: Promise<void> | undefined;
    return {
      endpoints,
      endpointsFile,
      executions: loop.executions,
      events: loop.events,
      deadLetters: loop.queue.deadLettered,
      queue: loop.queue,
      repository: context.repository,
      publish: (event) => loop.publish(event),
      idle: (timeoutMs) => loop.idle(timeoutMs),
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The bus, the queue, the pipe, the executions and the poller. */
class EventLoop {
  readonly executions: ExecutionRecord[] = [];
  readonly events: ObjectCreatedEvent[] = [];
  readonly queue: LocalQueue;
  private readonly running = new Set<Promise<unknown>>();
  private readonly watcher: LandingWatcher;
  private readonly poller: PullPoller;
  private readonly scanner: Ticker;
  private readonly polling: Ticker;
  private pipeTimer?: NodeJS.Timeout;
  private stopped = false;
  /** Bumped on every event, message and execution: idle() compares it before and after a quiet round. */
  private activity = 0;
  /** Execution names used so far: a name is started once, as on one state machine. */
  private readonly names = new Set<string>();

  constructor(
    private readonly workflow: LocalTransferWorkflow,
    private readonly context: LocalRuntimeContext,
    private readonly options: LocalRuntimeOptions,
    onError: (error: unknown) => void,
  ) {
    this.queue = new LocalQueue({
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? 300_000,
      maxReceiveCount: options.maxReceiveCount ?? 5,
    });
    const { landing } = context.endpoints.s3.buckets;
    this.watcher = new LandingWatcher({
      s3: context.s3,
      bucket: landing,
      region: context.endpoints.s3.region,
      onEvent: (event) => this.publish(event),
    });
    this.poller = new PullPoller({
      repository: context.repository,
      sftpPool: context.sftpPool,
      resolveEndpointRef: context.resolveEndpointRef,
      startExecution: async ({ name, input }) => {
        if (this.names.has(name)) {
          throw Object.assign(new Error(`an execution named ${name} was already started`), {
            name: EXECUTION_ALREADY_EXISTS,
          });
        }
        void this.execute(input as unknown as JsonValue, 'pull', name);
      },
      onError,
    });
    this.scanner = new Ticker(() => this.watcher.scan().then(() => undefined), options.scanIntervalMs ?? 200, onError);
    this.polling = new Ticker(() => this.poller.poll().then(() => undefined), options.pollIntervalMs ?? 1000, onError);
  }

  async start(): Promise<void> {
    await this.watcher.prime();
    this.scanner.start();
    this.polling.start();
    this.schedulePipe(0);
  }

  /** The local rule: `Object Created` in the landing bucket under a customer's prefix → the queue. */
  publish(event: ObjectCreatedEvent): void {
    if (event.detail.bucket.name !== this.context.endpoints.s3.buckets.landing) return;
    if (!LANDING_KEY.test(event.detail.object.key)) return;
    this.activity += 1;
    this.events.push(event);
    this.queue.send(JSON.stringify(event));
    this.schedulePipe(0);
  }

  /** Starts an execution (a fresh name unless the caller has one) and resolves with its record once it ended. */
  execute(input: JsonValue, trigger: ExecutionTrigger, executionName: string = randomUUID()): Promise<ExecutionRecord> {
    this.activity += 1;
    this.names.add(executionName);
    const record: ExecutionRecord = {
      executionName,
      trigger,
      input,
      startedAt: new Date().toISOString(),
      status: 'RUNNING',
    };
    this.executions.push(record);
    const run = this.workflow.run(input, executionName).then(
      (output) => Object.assign(record, { status: 'SUCCEEDED', output }),
      (error: unknown) => Object.assign(record, { status: 'FAILED', error: describe(error) }),
    );
    const done = run.then(() => {
      record.stoppedAt = new Date().toISOString();
      this.activity += 1;
      this.running.delete(done);
      this.schedulePipe(0);
      return record;
    });
    this.running.add(done);
    return done;
  }

  async idle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`the local runtime did not become idle within ${timeoutMs} ms`);
      if (this.running.size > 0) await Promise.race([...this.running, sleep(50)]);
      else if (this.queue.depth > 0) await sleep(Math.min(this.queue.nextVisibleInMs() ?? 20, 50) + 5);
      else {
        const before = this.activity;
        await Promise.all([this.scanner.nextRun(), this.polling.nextRun()]);
        const quiet =
          this.activity === before && this.running.size === 0 && this.queue.depth === 0 && !this.poller.busy;
        if (quiet || this.stopped) return;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pipeTimer);
    await Promise.all([this.scanner.stop(), this.polling.stop()]);
    await Promise.all(this.running);
  }

  /** The local pipe: batch size 1, the event as input, started fire-and-forget, then the message is deleted. */
  private drainQueue(): void {
    const capacity = (this.options.maxConcurrentExecutions ?? 8) - this.running.size;
    for (const message of capacity > 0 ? this.queue.receive(capacity) : []) {
      this.activity += 1;
      let input: JsonValue;
      try {
        input = pipeInput(message.body);
      } catch (error) {
        this.queue.release(message.receiptHandle, describe(error), this.options.redeliveryDelayMs ?? 200);
        continue;
      }
      void this.execute(input, 'object-created');
      this.queue.delete(message.receiptHandle);
    }
    // Like the AWS pipe, keep polling: messages also arrive without publish() (tests send raw ones).
    const next = this.queue.nextVisibleInMs() ?? PIPE_POLL_MS;
    this.schedulePipe(Math.min(next, PIPE_POLL_MS));
  }

  private schedulePipe(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.pipeTimer);
    this.pipeTimer = setTimeout(() => this.drainQueue(), delayMs);
  }
}

/**
 * What the local pipe passes on: the EventBridge event of the message body,
 * the shape Validate Input parses. A body that is not JSON or carries no
 * event detail fails the pipe, so the message is delivered again and finally
 * dead-lettered, as a message the AWS pipe cannot transform would be.
 */
function pipeInput(body: string): JsonValue {
  const parsed = JSON.parse(body) as { detail?: unknown } | null;
  const detail = parsed?.detail;
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    throw new Error('message body is not an event with an object at $.detail');
  }
  return parsed as JsonValue;
}

/** A server process of a runtime: its pid, and the part of its command line that identifies it. */
export interface ServerProcess {
  readonly name: 's3' | 'sftp source' | 'sftp target';
  readonly pid: number;
  readonly marker: string;
}

/** The server processes `endpoints.json` records, so `local down` can stop exactly those. */
export function serverProcesses(endpoints: LocalEndpoints): ServerProcess[] {
  return [
    { name: 's3', pid: endpoints.s3.pid, marker: s3rverMarker(endpoints.dir) },
    ...LOCAL_SFTP_SERVERS.map((name) => ({
      name: `sftp ${name}` as const,
      pid: endpoints.sftp[name].pid,
      marker: sshdMarker(endpoints.dir, name),
    })),
  ];
}

function s3rverMarker(dir: string): string {
  return `s3rver-launcher.cjs ${join(dir, 's3')} `;
}

function sshdMarker(dir: string, name: LocalSftpServerName): string {
  return `-f ${join(dir, `sshd-${name}`, 'sshd_config')}`;
}

/**
 * Clients on the servers of `endpoints`: what the runtime runs executions on,
 * and what a `--local` command that runs an execution itself (`redrive`) uses.
 */
export function openRuntimeContext(endpoints: LocalEndpoints): LocalRuntimeContext {
  const s3 = localS3Client(endpoints);
  const dynamo = localDocumentClient(endpoints.dynamodb.endpoint);
  const sftpPool = new SftpSessionPool({ idleMs: 2000 });
  return {
    endpoints,
    repository: new TrackingRepository({
      client: dynamo,
      tableNames: physicalTableNames(endpoints.dynamodb.tablePrefix),
    }),
    dynamo,
    s3,
    sftpPool,
    resolveEndpointRef: (ref) =>
      Object.hasOwn(endpoints.sftp, ref) ? endpoints.sftp[ref as LocalSftpServerName] : undefined,
    close: async () => {
      await sftpPool.close();
      s3.destroy();
      dynamo.destroy();
    },
  };
}

/**
 * An S3 client for the runtime's s3rver. The credentials are a fresh object:
 * the SDK writes a `$source` mark into the credential object it is given.
 */
export function localS3Client(endpoints: LocalEndpoints): S3Client {
  const { accessKeyId, secretAccessKey } = endpoints.s3;
  return s3ClientFor(endpoints.s3.endpoint, { accessKeyId, secretAccessKey });
}

/** The pid of the server this process started whose command line names `marker` (its directory). */
function childPid(marker: string): number {
  const pid = findChild(process.pid, marker);
  if (pid === undefined) throw new Error(`cannot find the process of the server in ${marker}`);
  return pid;
}

async function refuseSecondRuntime(dir: string): Promise<void> {
  const pid = Number((await readFile(join(dir, RUNTIME_PID_FILE), 'utf8').catch(() => '')).trim());
  if (pid > 0 && pid !== process.pid && isRunning(pid, 'node')) throw new LocalRuntimeAlreadyRunningError(dir, pid);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? ` (${cause.name}: ${cause.message})` : '';
    return `${error.name}: ${error.message}${detail}`;
  }
  return String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
