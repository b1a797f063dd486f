/**
 * The harness's test world on real local servers: s3rver with a config bucket, a landing
 * bucket and a partner bucket; sshd with partner directories; flows written into the
 * config bucket as the test engineer would push them.
 *
 * STAND-IN: the end-to-end specs run against the real local runtime (`runtime-support.ts`).
 * The step specs here need what a healthy pipeline never does on cue — deliver a file with
 * one byte changed or one byte short, or lose it so a poll runs out — so
 * {@link StandInPipeline} plays the pipeline for them: it moves a flow's seeded files with
 * the copy engine when triggered, as told. It is test scaffolding, not product code.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { copy } from '../../functions/core/copy';
import { createEndpoint } from '../../functions/core/endpoints';
import { Flow, flowTargets, type FlowEndpoint } from '../../functions/core/flows/schema';
import { flowLocation, type HarnessDeps, type MetricsSink } from '../../functions/core/harness/deps';
import { useLocalServers, type LocalServers } from '../fixtures/local-servers';

export const CONFIG_BUCKET = 'fileflow-harness-config';
export const LANDING_BUCKET = 'fileflow-landing';
export const PARTNER_BUCKET = 'fileflow-partners';

/** What a stand-in transfer does to a file: deliver it, corrupt a byte, cut it short, or lose it. */
export type Delivery = 'deliver' | 'corrupt' | 'truncate' | 'lose';

/** Metrics recorded by RecordResults, kept for assertions. */
export class RecordingMetrics implements MetricsSink {
  readonly runs: { flowId: string; runSuccess: 0 | 1; latencySeconds: number | undefined }[] = [];
  recordRun(flowId: string, runSuccess: 0 | 1, latencySeconds: number | undefined): void {
    this.runs.push({ flowId, runSuccess, latencySeconds });
  }
}

/**
 * STAND-IN for the transfer pipeline (see the file comment): on a trigger it copies every
 * data file at the flow's source to each target with the copy engine.
 */
export class StandInPipeline {
  /** How files of a flow are delivered; `deliver` unless set. */
  readonly delivery = new Map<string, Delivery>();
  readonly triggers: string[] = [];
  private readonly flows = new Map<string, Flow>();
  /** Flows keyed by the trigger that starts them: `invoke` payload `flow_id`, `pull` workflow id, `event` flow id. */
  private readonly routes = new Map<string, string>();

  constructor(private readonly deps: () => HarnessDeps) {}

  /** Makes the stand-in responsible for `flow`. */
  serve(flow: Flow): void {
    this.flows.set(flow.flow_id, flow);
    const trigger = flow.transfer;
    const key =
      trigger.mode === 'pull'
        ? `pull:${trigger.workflow_id}`
        : trigger.mode === 'invoke'
          ? `invoke:${String(trigger.payload.flow_id)}`
          : `event:${flow.flow_id}`;
    this.routes.set(key, flow.flow_id);
  }

  readonly invokeTransfer = async (_functionName: string, payload: Record<string, unknown>) =>
    this.transfer(`invoke:${String(payload.flow_id)}`);

  readonly requestPull = async (workflowId: string) => this.transfer(`pull:${workflowId}`);

  /** What an S3 event / SFTP upload hook would do for an `event` flow. */
  readonly seeded = async (flowId: string) => this.transfer(`event:${flowId}`);

  private async transfer(route: string): Promise<void> {
    this.triggers.push(route);
    const flowId = this.routes.get(route);
    if (!flowId) return; // nobody listens: like a pipeline with no route for it
    const flow = this.flows.get(flowId)!;
    const names = await this.list(flow.source);
    for (const name of names) {
      for (const target of flowTargets(flow)) await this.deliver(flow, name, target);
    }
  }

  private async list(endpoint: FlowEndpoint): Promise<string[]> {
    const deps = this.deps();
    if (endpoint.s3) {
      const entries = await createEndpoint(
        { type: 's3', bucket: endpoint.s3.bucket, key: endpoint.s3.prefix },
        deps,
      ).list();
      return entries.map((entry) => entry.name.slice(endpoint.s3!.prefix.length)).filter((name) => !name.includes('/'));
    }
    const dir = endpoint.sftp.directory;
    const location = { ...flowLocation(endpoint, dir, deps), baseDir: join(dir, '..') };
    return (await createEndpoint(location, deps).list()).map((entry) => entry.name.split('/').pop()!);
  }

  private async deliver(flow: Flow, name: string, target: FlowEndpoint): Promise<void> {
    const deps = this.deps();
    const delivery = this.delivery.get(flow.flow_id) ?? 'deliver';
    if (delivery === 'lose') return;
    const from = createEndpoint(flowLocation(flow.source, name, deps), deps);
    const to = createEndpoint(flowLocation(target, name, deps), deps);
    if (delivery === 'deliver') {
      await copy(from, to);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of (await from.openRead()).body) chunks.push(chunk as Buffer);
    let bytes = Buffer.concat(chunks);
    if (delivery === 'corrupt') bytes[0] = bytes[0]! ^ 0xff;
    if (delivery === 'truncate') bytes = bytes.subarray(0, bytes.length - 1);
    const { Readable } = await import('node:stream');
    await to.writeAtomically(Readable.from([bytes]), { size: bytes.length });
  }
}

/** The servers plus everything the harness specs share. */
export interface HarnessWorld {
  readonly servers: LocalServers;
  readonly metrics: RecordingMetrics;
  readonly alerts: { subject: string; message: string }[];
  readonly pipeline: StandInPipeline;
  /** A key that sshd does not authorize, for the negative flow. */
  unauthorizedKey: string;
  deps(overrides?: Partial<HarnessDeps>): HarnessDeps;
  /** An SFTP endpoint of a flow, in a directory under the server's root (created). */
  sftp(directory: string, keyFile?: string): Promise<FlowEndpoint>;
  /** Parses `raw` as a flow, writes it to the config bucket and lets the stand-in serve it. */
  pushFlow(raw: Record<string, unknown>): Promise<Flow>;
  /** Writes any text as a flow config (for invalid files). */
  pushRaw(key: string, text: string): Promise<void>;
}

/** Registers the servers' hooks for the enclosing suite and returns the world. */
export function useHarnessWorld(): HarnessWorld {
  const servers = useLocalServers();
  const world = {
    servers,
    metrics: new RecordingMetrics(),
    alerts: [] as { subject: string; message: string }[],
    unauthorizedKey: '',
  } as HarnessWorld & { pipeline: StandInPipeline };
  const deps = (overrides: Partial<HarnessDeps> = {}): HarnessDeps => ({
    s3: servers.s3Client,
    configBucket: CONFIG_BUCKET,
    sftpPool: servers.pool,
    invokeTransfer: world.pipeline.invokeTransfer,
    requestPull: world.pipeline.requestPull,
    metrics: world.metrics,
    publishAlert: async (subject, message) => {
      world.alerts.push({ subject, message });
    },
    ...overrides,
  });
  Object.assign(world, {
    pipeline: new StandInPipeline(() => deps()),
    deps,
    async sftp(directory: string, keyFile?: string): Promise<FlowEndpoint> {
      const path = join(servers.sftpRoot, directory);
      await mkdir(path, { recursive: true });
      return {
        sftp: {
          host: servers.sshd.host,
          port: servers.sshd.port,
          username: servers.user,
          credentials: { private_key_file: keyFile ?? servers.sshd.clientKeys[servers.user]! },
          host_key: { fingerprints: [servers.sshd.hostKeyFingerprint] },
          directory: path,
        },
      };
    },
    async pushFlow(raw: Record<string, unknown>): Promise<Flow> {
      const flow = Flow.parse(raw);
      await world.pushRaw(`config/flows/${flow.flow_id}.json`, JSON.stringify(raw));
      world.pipeline.serve(flow);
      return flow;
    },
    async pushRaw(key: string, text: string): Promise<void> {
      await servers.s3Client.send(new PutObjectCommand({ Bucket: CONFIG_BUCKET, Key: key, Body: text }));
    },
  });
  before(async function () {
    this.timeout(30_000);
    for (const bucket of [CONFIG_BUCKET, LANDING_BUCKET, PARTNER_BUCKET]) {
      await servers.s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
    }
    world.unauthorizedKey = join(servers.dir, 'not-authorized');
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', world.unauthorizedKey]);
  });
  return world;
}

/** An S3 endpoint of a flow. */
export function s3(bucket: string, prefix: string): FlowEndpoint {
  return { s3: { bucket, prefix } };
}

/** A flow config as a test engineer writes it; override any part. */
export function flowConfig(
  flowId: string,
  source: FlowEndpoint,
  target: FlowEndpoint | FlowEndpoint[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    flow_id: flowId,
    source,
    target,
    transfer: { mode: 'invoke', function_name: 'fileflow-transfer', payload: { flow_id: flowId } },
    validation: { expect_within_seconds: 60 },
    testdata: { size_bytes: 4096, pattern: 'random', tags: ['synthetic'] },
    ...overrides,
  };
}
