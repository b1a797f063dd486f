/**
 * The pull poller of the local runtime: the poller core the `poll-pull-sources`
 * Lambda runs (`functions/core/pull/poller.ts`) on the runtime's servers, with
 * the runtime's executions standing in for `StartExecution`.
 */
import type { SftpLocation } from '../../functions/core/locations';
import {
  pollPullSources,
  type ExecutionStarter,
  type PollOptions,
  type PollSummary,
} from '../../functions/core/pull/poller';
import type { PullSourceEndpoint } from '../../functions/core/pull/sources';
import type { SftpSessionPool } from '../../functions/core/sftp/session-pool';
import type { TrackingRepository } from '../../functions/core/tracking/repository';
import type { LocalSftpServer } from './endpoints-file';

/** Options of {@link PullPoller}. */
export interface PullPollerOptions {
  readonly repository: TrackingRepository;
  readonly sftpPool: SftpSessionPool;
  /** The SFTP server an `endpointRef` names, or `undefined`. */
  readonly resolveEndpointRef: (endpointRef: string) => LocalSftpServer | undefined;
  /** Starts an execution of the transfer workflow; throws `ExecutionAlreadyExists` for a name already used. */
  readonly startExecution: ExecutionStarter;
  readonly onError: (error: unknown) => void;
}

/** A local SFTP server as a pull server: its root is the base directory of every `sourcePrefix`. */
export function localPullSource(server: LocalSftpServer): PullSourceEndpoint {
  return {
    host: server.host,
    port: server.port,
    username: server.username,
    privateKey: { file: server.privateKeyFile },
    hostKeyFingerprint: server.hostKeyFingerprint,
    baseDir: server.root,
  };
}

/** An SFTP location on a local server, pinned to its host key; `path` is relative to the server's root. */
export function localSftpLocation(server: LocalSftpServer, path: string): SftpLocation {
  return {
    type: 'sftp',
    host: server.host,
    port: server.port,
    username: server.username,
    auth: { privateKey: { file: server.privateKeyFile } },
    hostKey: { fingerprint: server.hostKeyFingerprint },
    insecureAcceptAnyHostKey: false,
    baseDir: server.root,
    path,
  };
}

/** One look at every pull workflow per {@link poll} call. */
export class PullPoller {
  private last?: PollSummary;

  constructor(private readonly options: PullPollerOptions) {}

  /** Whether the last poll found work: files waiting for their second look, starts, or post-actions. */
  get busy(): boolean {
    const last = this.last;
    return last !== undefined && (last.waiting > 0 || last.started.length > 0 || last.settled > 0);
  }

  /** Looks once at the source directory of every enabled pull workflow (or the one asked for). */
  async poll(options: PollOptions = {}): Promise<PollSummary> {
    const { repository, sftpPool, resolveEndpointRef, startExecution } = this.options;
    const summary = await pollPullSources(
      {
        repository,
        endpointClients: { sftpPool },
        resolveSource: (ref) => {
          const server = resolveEndpointRef(ref);
          return server ? localPullSource(server) : undefined;
        },
        startExecution,
      },
      options,
    );
    this.last = summary;
    for (const error of summary.errors) this.options.onError(new Error(`pull poller: ${error}`));
    return summary;
  }
}
