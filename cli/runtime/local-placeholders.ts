/**
 * `local:` placeholders: how a workflow definition file names an SFTP server of
 * the local runtime, whose port, key and host key change on every `local up`.
 *
 * An SFTP target whose `credentials.privateKeyFile` is `local:<server>`
 * (`local:target` or `local:source`) stands for that server of
 * `endpoints.json`. `fileflow workflows put --local` replaces the target's
 * `host`, `port`, `username`, `credentials.privateKeyFile` and
 * `hostKeyFingerprints` with the server's, and resolves a relative
 * `directory` under the server's root directory. The file itself stays valid
 * against the workflow schema (the placeholder values are well-formed), so it
 * is checked like any other before it is resolved. Against AWS a placeholder
 * is refused: it names nothing there.
 *
 * Flow-test configs (`config/flows/`) name the same servers by their SFTP
 * endpoint's `host`: `local:source` or `local:target`. {@link resolveLocalFlow}
 * replaces `host`, `port`, `username` and `host_key` with the server's, reads
 * the absolute `directory` as a path below the server's root (the root stands
 * in for a partner's chrooted home), and a `credentials.private_key_file` of
 * `local:<server>` as that server's client key — so a negative flow can log in
 * to `local:source` with the key of `local:target`, which `source` refuses.
 */
import { mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import {
  LOCAL_PLACEHOLDER_PREFIX as FLOW_PLACEHOLDER_PREFIX,
  localPlaceholderEndpoints,
  type Flow,
  type SftpFlowEndpoint,
} from '../../functions/core/flows/schema';
import type { StoredWorkflow, TrackingRepository } from '../../functions/core/tracking/repository';
import { LOCAL_SFTP_SERVERS, type LocalEndpoints, type LocalSftpServerName } from './endpoints-file';

/** The prefix that marks a placeholder key file. */
const LOCAL_PLACEHOLDER_PREFIX = 'local:';

/** One placeholder that cannot be resolved, with the JSON path of the field. */
export interface PlaceholderIssue {
  readonly path: string;
  readonly message: string;
}

/** Thrown when a definition's placeholders cannot be used where it is being put. */
export class LocalPlaceholderError extends Error {
  constructor(readonly issues: readonly PlaceholderIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    this.name = 'LocalPlaceholderError';
  }
}

interface RawTarget {
  type?: unknown;
  host?: unknown;
  port?: unknown;
  username?: unknown;
  directory?: unknown;
  hostKeyFingerprints?: unknown;
  credentials?: { privateKeyFile?: unknown };
}

/** The JSON paths of every placeholder in a (raw) definition. */
export function findLocalPlaceholders(definition: unknown): { path: string; server: string; index: number }[] {
  const targets = (definition as { targets?: unknown } | null)?.targets;
  if (!Array.isArray(targets)) return [];
  return targets.flatMap((target: RawTarget | null, index) => {
    const keyFile = target?.credentials?.privateKeyFile;
    if (typeof keyFile !== 'string' || !keyFile.startsWith(LOCAL_PLACEHOLDER_PREFIX)) return [];
    return [
      {
        path: `$.targets[${index}].credentials.privateKeyFile`,
        server: keyFile.slice(LOCAL_PLACEHOLDER_PREFIX.length),
        index,
      },
    ];
  });
}

/**
 * What is wrong with a definition's placeholders where it is being put: on AWS
 * every placeholder; locally, those naming no server of the runtime.
 */
export function placeholderIssues(definition: unknown, where: 'local' | 'aws'): PlaceholderIssue[] {
  return findLocalPlaceholders(definition).flatMap(({ path, server }) => {
    if (where === 'aws')
      return [{ path, message: 'a local: placeholder names a server of the local runtime; put it with --local' }];
    if ((LOCAL_SFTP_SERVERS as readonly string[]).includes(server)) return [];
    return [{ path, message: `no local SFTP server "${server}" (there are: ${LOCAL_SFTP_SERVERS.join(', ')})` }];
  });
}

/** A copy of `definition` with every placeholder replaced by the local runtime's server. */
export function resolveLocalPlaceholders<T>(definition: T, endpoints: LocalEndpoints): T {
  const issues = placeholderIssues(definition, 'local');
  if (issues.length > 0) throw new LocalPlaceholderError(issues);
  const found = findLocalPlaceholders(definition);
  const resolved = structuredClone(definition) as T & { targets: RawTarget[] };
  for (const { server: name, index } of found) {
    const server = endpoints.sftp[name as LocalSftpServerName];
    const target = resolved.targets[index]!;
    const directory = typeof target.directory === 'string' ? target.directory : '';
    Object.assign(target, {
      host: server.host,
      port: server.port,
      username: server.username,
      credentials: { privateKeyFile: server.privateKeyFile },
      hostKeyFingerprints: [server.hostKeyFingerprint],
      directory: directory.startsWith('/') ? directory : posix.join(server.root, directory),
    });
  }
  return resolved;
}

/**
 * Creates, under the local servers' roots, the directories a resolved
 * definition reads from or delivers to. A partner's delivery directory exists
 * on a real server (the copy engine creates only what lies below it); here the
 * runtime owns the server's tree, so it makes them when the workflow is put.
 */
export async function createLocalDirectories(definition: unknown, endpoints: LocalEndpoints): Promise<void> {
  const raw = definition as {
    source?: { type?: unknown; endpointRef?: unknown };
    sourcePrefix?: unknown;
    targets?: RawTarget[];
  };
  const roots = LOCAL_SFTP_SERVERS.map((name) => endpoints.sftp[name].root);
  const inside = (path: string) => roots.some((root) => path === root || path.startsWith(`${root}/`));
  const directories: string[] = [];
  for (const target of Array.isArray(raw.targets) ? raw.targets : []) {
    if (target?.type === 'sftp' && typeof target.directory === 'string') directories.push(target.directory);
  }
  const ref = raw.source?.type === 'sftp' ? raw.source.endpointRef : undefined;
  if (
    typeof ref === 'string' &&
    (LOCAL_SFTP_SERVERS as readonly string[]).includes(ref) &&
    typeof raw.sourcePrefix === 'string'
  ) {
    directories.push(posix.join(endpoints.sftp[ref as LocalSftpServerName].root, raw.sourcePrefix));
  }
  for (const directory of directories.map((d) => posix.normalize(d)).filter(inside)) {
    await mkdir(directory, { recursive: true });
  }
}

/**
 * What `fileflow workflows put --local` does with one definition: resolve its
 * placeholders, store it (validated by the repository), create its local directories.
 */
export async function putLocalWorkflow(
  repository: TrackingRepository,
  definition: unknown,
  endpoints: LocalEndpoints,
): Promise<StoredWorkflow> {
  const resolved = resolveLocalPlaceholders(definition, endpoints);
  const stored = await repository.putWorkflow(resolved);
  await createLocalDirectories(resolved, endpoints);
  return stored;
}

/** The local server a `local:<name>` value names, or an issue at `path`. */
function localServer(
  value: string,
  path: string,
  endpoints: LocalEndpoints,
  issues: PlaceholderIssue[],
): LocalEndpoints['sftp'][LocalSftpServerName] | undefined {
  const name = value.slice(FLOW_PLACEHOLDER_PREFIX.length);
  if ((LOCAL_SFTP_SERVERS as readonly string[]).includes(name)) return endpoints.sftp[name as LocalSftpServerName];
  issues.push({ path, message: `no local SFTP server "${name}" (there are: ${LOCAL_SFTP_SERVERS.join(', ')})` });
  return undefined;
}

/**
 * A copy of `flow` with every `local:` placeholder of its SFTP endpoints replaced by the
 * local runtime's server (see the module comment); throws {@link LocalPlaceholderError}
 * naming every placeholder that names no server.
 */
export function resolveLocalFlow(flow: Flow, endpoints: LocalEndpoints): Flow {
  const resolved = structuredClone(flow);
  const issues: PlaceholderIssue[] = [];
  for (const { path, endpoint } of localPlaceholderEndpoints(resolved)) {
    const server = localServer(endpoint.host, `${path}.host`, endpoints, issues);
    const credentials = endpoint.credentials;
    let keyFile = 'private_key_file' in credentials ? credentials.private_key_file : undefined;
    if (keyFile?.startsWith(FLOW_PLACEHOLDER_PREFIX)) {
      keyFile = localServer(keyFile, `${path}.credentials.private_key_file`, endpoints, issues)?.privateKeyFile;
    }
    if (!server) continue;
    const local: Partial<SftpFlowEndpoint> = {
      host: server.host,
      port: server.port,
      username: server.username,
      host_key: { fingerprints: [server.hostKeyFingerprint] },
      directory: posix.join(server.root, endpoint.directory),
      ...(keyFile === undefined ? {} : { credentials: { private_key_file: keyFile } }),
    };
    Object.assign(endpoint, local);
  }
  if (issues.length > 0) throw new LocalPlaceholderError(issues);
  return resolved;
}
