/**
 * The clients and stand-ins the harness cores run on, injected so the Lambda handlers,
 * `fileflow flows run` and the specs share one implementation.
 */
import { isAbsolute, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createEndpoint } from '../endpoints';
import type { Endpoint } from '../endpoint';
import type { Flow, FlowEndpoint } from '../flows/schema';
import type { Location } from '../locations';
import type { SftpSessionPool } from '../sftp/session-pool';

/** Receives the per-flow metrics of a recorded run (CloudWatch EMF on AWS, a list in specs). */
export interface MetricsSink {
  /** `RunSuccess` (1 when the outcome matched the expectation) and `TransferLatencySeconds`, dimension `FlowId`. */
  recordRun(flowId: string, runSuccess: 0 | 1, latencySeconds: number | undefined): void | Promise<void>;
}

/**
 * Publishes an aggregated alert to SNS: to `topicArn` when a flow's channel names one,
 * else to the harness's own alert topic.
 */
export type AlertPublisher = (subject: string, message: string, topicArn?: string) => Promise<void>;

/** Asynchronously invokes a transfer Lambda with the flow's payload (Lambda has no local stand-in). */
export type TransferInvoker = (functionName: string, payload: Record<string, unknown>) => Promise<void>;

/** Asks the pipeline's poller of `workflowId` to look at its source now. */
export type PullRequester = (workflowId: string) => Promise<void>;

/** Everything the harness cores need. */
export interface HarnessDeps {
  /** Reaches the config bucket, and every S3 source and target. */
  readonly s3: S3Client;
  /** The bucket holding `config/`, `staging/` and `results/`. */
  readonly configBucket: string;
  /** Key prefix of the config tree. @default 'config/' */
  readonly configPrefix?: string;
  /** Needed for SFTP sources and targets. */
  readonly sftpPool?: SftpSessionPool;
  /** Needed when an SFTP key or a webhook URL lives in Secrets Manager. */
  readonly secretsManager?: SecretsManagerClient;
  /** Directory `private_key_file` paths are relative to. @default the working directory */
  readonly keyRoot?: string;
  /** For `invoke` flows; absent means such flows fail with a clear reason. */
  readonly invokeTransfer?: TransferInvoker;
  /** For `pull` flows; absent means such flows fail with a clear reason. */
  readonly requestPull?: PullRequester;
  /**
   * Fills in a flow's `local:` placeholders (the local runtime's SFTP servers); throws when
   * one names no server. Absent (on AWS) a flow with a placeholder is CONFIG_INVALID.
   */
  readonly resolveLocalPlaceholders?: (flow: Flow) => Flow;
  readonly metrics: MetricsSink;
  readonly publishAlert: AlertPublisher;
  /** The clock, injectable so specs can move time. @default the system clock */
  readonly now?: () => Date;
  /**
   * Stops the step's copies and uploads, which then clean up after themselves: the Lambda's
   * deadline (stopBeforeTimeout), set per invocation by {@link runHarnessStep}. @default none
   */
  readonly signal?: AbortSignal;
}

/** The current time of `deps`. */
export function nowOf(deps: Pick<HarnessDeps, 'now'>): Date {
  return deps.now?.() ?? new Date();
}

/** The copy-engine location of `name` at a flow's source or target (S3 key under the prefix, SFTP file in the directory). */
export function flowLocation(
  endpoint: FlowEndpoint,
  name: string,
  deps: Pick<HarnessDeps, 'keyRoot'>,
  s3Extras: { tags?: Record<string, string>; metadata?: Record<string, string> } = {},
): Location {
  if (endpoint.s3) {
    return {
      type: 's3',
      bucket: endpoint.s3.bucket,
      key: `${endpoint.s3.prefix}${name}`,
      kmsKeyId: endpoint.s3.kms_key_id,
      ...s3Extras,
    };
  }
  const sftp = endpoint.sftp;
  const credentials = sftp.credentials;
  const privateKey =
    'secret_arn' in credentials
      ? { secretArn: credentials.secret_arn }
      : {
          file: isAbsolute(credentials.private_key_file)
            ? credentials.private_key_file
            : resolve(deps.keyRoot ?? process.cwd(), credentials.private_key_file),
        };
  return {
    type: 'sftp',
    host: sftp.host,
    port: sftp.port,
    username: sftp.username,
    auth: { privateKey },
    // The copy engine pins one fingerprint; a rotation pair is expressed as known_hosts when given.
    hostKey: {
      fingerprint: sftp.host_key.known_hosts_line ? undefined : sftp.host_key.fingerprints?.[0],
      knownHosts: sftp.host_key.known_hosts_line,
    },
    insecureAcceptAnyHostKey: false,
    baseDir: sftp.directory,
    path: name,
  };
}

/** The endpoint of `name` at a flow's source or target. */
export function flowEndpoint(
  endpoint: FlowEndpoint,
  name: string,
  deps: HarnessDeps,
  s3Extras?: Parameters<typeof flowLocation>[3],
): Endpoint {
  return createEndpoint(flowLocation(endpoint, name, deps, s3Extras), deps);
}

/** The endpoint of an object in the config bucket. */
export function configObject(deps: HarnessDeps, key: string): Endpoint {
  return createEndpoint({ type: 's3', bucket: deps.configBucket, key }, deps);
}

/** `s3://bucket/prefix` or `sftp://user@host:port/dir`, for messages and results. */
export function describeEndpoint(endpoint: FlowEndpoint): string {
  if (endpoint.s3) return `s3://${endpoint.s3.bucket}/${endpoint.s3.prefix}`;
  const { username, host, port, directory } = endpoint.sftp;
  return `sftp://${username}@${host}:${port}${directory}`;
}
