/**
 * The SFTP servers pull workflows read from. A workflow names its server by
 * `source.endpointRef`; the poller resolves the name here into a pinned SFTP
 * location (host, account, key reference, host key). Only references travel:
 * on AWS the private key stays in Secrets Manager and is read by the copy.
 */
import { z } from 'zod';
import { SecretSource, type SftpLocation } from '../locations';
import { parseOrThrow } from '../tracking/records';
import { PULL_SOURCES_VARIABLE } from './environment';

/** One pull server: where it is, which account, which key, which host key. */
export const PullSourceEndpoint = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  username: z.string().min(1),
  /** The account's private key: a Secrets Manager ARN on AWS, a file locally. */
  privateKey: SecretSource,
  /** The server's pinned host key, `SHA256:…` as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be an OpenSSH SHA256 fingerprint'),
  /** Directory every workflow's `sourcePrefix` is relative to. @default '/' */
  baseDir: z.string().startsWith('/').default('/'),
});
/** One pull server. */
export type PullSourceEndpoint = z.output<typeof PullSourceEndpoint>;
/** One pull server as written (defaults optional). */
export type PullSourceEndpointInput = z.input<typeof PullSourceEndpoint>;

/** Pull servers by `endpointRef`. */
export const PullSourceEndpoints = z.record(z.string().min(1), PullSourceEndpoint);
/** Pull servers by `endpointRef`. */
export type PullSourceEndpoints = z.output<typeof PullSourceEndpoints>;

/** The pull servers configured for the poller Lambda (none when the variable is unset). */
export function pullSourcesFromEnvironment(env: NodeJS.ProcessEnv): PullSourceEndpoints {
  const raw = env[PULL_SOURCES_VARIABLE];
  if (raw === undefined || raw === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`$${PULL_SOURCES_VARIABLE} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseOrThrow(PullSourceEndpoints, parsed, `$${PULL_SOURCES_VARIABLE}`);
}

/** The pinned SFTP location of `path` (relative to the server's `baseDir`) on a pull server. */
export function pullSourceLocation(endpoint: PullSourceEndpoint, path: string): SftpLocation {
  return {
    type: 'sftp',
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.username,
    auth: { privateKey: endpoint.privateKey },
    hostKey: { fingerprint: endpoint.hostKeyFingerprint },
    insecureAcceptAnyHostKey: false,
    baseDir: endpoint.baseDir,
    path,
  };
}
