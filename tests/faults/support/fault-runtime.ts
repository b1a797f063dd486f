/**
 * The local runtime under fault: the real runtime (`startLocalRuntime`) whose
 * transfer workflow talks to S3 through {@link S3FaultProxy} and, when a
 * workflow's SFTP target names it, to the target sshd through a
 * {@link TcpFaultProxy}. Everything else — landing watcher, queue, pipe,
 * tracking tables — is the runtime's own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { runLocally } from '../../../asl/local';
import { buildTransferDefinition } from '../../../asl/workflows/transfer';
import { s3ClientFor } from '../../../cli/local/s3-server';
import { putLocalWorkflow } from '../../../cli/runtime/local-placeholders';
import {
  localS3Client,
  startLocalRuntime,
  type LocalRuntime,
  type LocalRuntimeContext,
  type LocalTransferWorkflow,
} from '../../../cli/runtime/local-runtime';
import { createLocalTaskHandlers, localTransferResources } from '../../../functions/core/pipeline/local-handlers';
import { physicalTableNames } from '../../../functions/core/tracking/tables';
import type { WorkflowDefinitionInput } from '../../../functions/core/tracking/records';
import { ScenarioLedger, type Expectation, type ScenarioRow, type TrackedFile } from './ledger';
import { startS3FaultProxy, type S3FaultProxy } from './s3-fault-proxy';
import type { TargetWatcher } from './target-watcher';
import { startTcpFaultProxy, type TcpFaultProxy } from './tcp-fault-proxy';

/**
 * How long each Wait Before Retry lasts here. The runtime waits 0 ms, which
 * would spend every retry inside a fault window of a few milliseconds; a
 * short real pause lets the retry loop ride out a restart, as on AWS.
 */
const BACKOFF_WAIT_MS = 150;

/** Longest a scenario may take to drain: the 1,000-file burst, on a busy two-core machine. */
const SETTLE_TIMEOUT_MS = 900_000;

/** SFTP target in a workflow definition, as the schema takes it. */
type SftpTargetInput = Extract<WorkflowDefinitionInput['targets'][number], { type: 'sftp' }>;

/** The runtime, its proxies and the helpers scenarios share. */
export interface FaultRuntime {
  readonly runtime: LocalRuntime;
  /** A client straight to the S3 server (not through the proxy), for landing files and checking. */
  readonly s3: S3Client;
  /** Between the transfer workflow and S3. */
  readonly s3Proxy: S3FaultProxy;
  /** Between SFTP targets that name it (see {@link sftpTarget}) and the target sshd. */
  readonly targetProxy: TcpFaultProxy;
  /** Scratch directory of the run. */
  readonly scratch: string;
  readonly landingBucket: string;
  readonly targetsBucket: string;
  /** Stores a workflow as `fileflow workflows put --local` does. */
  putWorkflow(definition: WorkflowDefinitionInput): Promise<void>;
  /** An SFTP target delivering to `directory` (under the target server's root, created) through the proxy. */
  sftpTarget(id: string, directory: string, overrides?: Partial<SftpTargetInput>): SftpTargetInput;
  /** Absolute path of a delivery directory under the target server's root. */
  targetDir(directory: string): string;
  /** Lands random bytes under `inbound/<customer>/<fileName>` and tracks the file in `ledger`. */
  land(
    ledger: ScenarioLedger,
    customer: string,
    fileName: string,
    size: number,
    expect: Expectation,
  ): Promise<TrackedFile>;
  /** A new ledger for one scenario. */
  ledger(scenario: string): ScenarioLedger;
  /**
   * Waits until the runtime is idle, takes the watcher's last look and accounts
   * every file: throws, listing each problem, unless every file was delivered
   * exactly once or failed as expected, with nothing lost or duplicated.
   */
  settle(ledger: ScenarioLedger, watcher?: TargetWatcher): Promise<ScenarioRow>;
}

/** Registers mocha hooks that start a runtime with its proxies for the enclosing suite and stop it after. */
export function useFaultRuntime(): FaultRuntime {
  const harness = {} as { -readonly [K in keyof FaultRuntime]: FaultRuntime[K] };
  const clients: S3Client[] = [];
  before(async function () {
    this.timeout(60_000);
    const scratch = await mkdtemp(join(tmpdir(), 'fileflow-faults-'));
    const s3Proxy = await startS3FaultProxy();
    const runtime = await startLocalRuntime({
      dir: join(scratch, 'local'),
      workflow: (context) => faultWorkflow(context, s3Proxy, clients),
      scanIntervalMs: 50,
      pollIntervalMs: 500,
      maxReceiveCount: 3,
      redeliveryDelayMs: 20,
      onError: () => undefined,
    });
    const targetProxy = await startTcpFaultProxy(runtime.endpoints.sftp.target.port);
    const { landing, targets } = runtime.endpoints.s3.buckets;
    Object.assign(harness, {
      runtime,
      s3: localS3Client(runtime.endpoints),
      s3Proxy,
      targetProxy,
      scratch,
      landingBucket: landing,
      targetsBucket: targets,
    });
  });
  after(async function () {
    this.timeout(60_000);
    await harness.runtime?.stop();
    for (const client of [harness.s3, ...clients.splice(0)]) client?.destroy();
    await Promise.all([harness.targetProxy?.stop(), harness.s3Proxy?.stop()]);
    if (harness.scratch) await rm(harness.scratch, { recursive: true, force: true });
  });

  harness.putWorkflow = async (definition) => {
    await putLocalWorkflow(harness.runtime.repository, definition, harness.runtime.endpoints);
  };
  harness.targetDir = (directory) => join(harness.runtime.endpoints.sftp.target.root, directory);
  harness.sftpTarget = (id, directory, overrides = {}) => {
    const server = harness.runtime.endpoints.sftp.target;
    return {
      id,
      type: 'sftp',
      host: server.host,
      port: harness.targetProxy.port,
      username: server.username,
      credentials: { privateKeyFile: server.privateKeyFile },
      hostKeyFingerprints: [server.hostKeyFingerprint],
      directory: harness.targetDir(directory),
      ...overrides,
    };
  };
  harness.land = async (ledger, customer, fileName, size, expect) => {
    const bytes = randomBytes(size);
    const key = `inbound/${customer}/${fileName}`;
    const file = ledger.track({
      customerId: customer,
      fileName,
      landing: { bucket: harness.landingBucket, key },
      sha256: createHash('sha256').update(bytes).digest('hex'),
      expect,
    });
    await harness.s3.send(new PutObjectCommand({ Bucket: harness.landingBucket, Key: key, Body: bytes }));
    return file;
  };
  harness.ledger = (scenario) => new ScenarioLedger(scenario, harness.runtime, harness.s3);
  harness.settle = async (ledger, watcher) => {
    await harness.runtime.idle(SETTLE_TIMEOUT_MS);
    await watcher?.stop();
    const { row, problems } = await ledger.account(watcher);
    expect(problems, `${ledger.scenario}:\n  ${problems.join('\n  ')}`).to.deep.equal([]);
    expect(row).to.include({ lost: 0, duplicated: 0 });
    return row;
  };
  return harness;
}

/** Creates a delivery directory (a partner's directory exists before anything is delivered to it). */
export async function makeDirectory(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}

/**
 * The runtime's transfer workflow — the same ASL and handler cores — with S3
 * reached through the proxy and a short real pause in Wait Before Retry.
 */
function faultWorkflow(
  context: LocalRuntimeContext,
  s3Proxy: S3FaultProxy,
  clients: S3Client[],
): LocalTransferWorkflow {
  s3Proxy.setUpstream(context.endpoints.s3.endpoint);
  const { accessKeyId, secretAccessKey } = context.endpoints.s3;
  const s3 = s3ClientFor(s3Proxy.endpoint, { accessKeyId, secretAccessKey });
  clients.push(s3);
  const definition = buildTransferDefinition(localTransferResources()).toAsl();
  const handlers = createLocalTaskHandlers({
    s3,
    dynamo: context.dynamo,
    tables: physicalTableNames(context.endpoints.dynamodb.tablePrefix),
    endpointClients: { sftpPool: context.sftpPool },
  });
  return {
    run: (input, name) => runLocally(definition, input, { handlers, waitMs: BACKOFF_WAIT_MS, execution: { name } }),
  };
}
