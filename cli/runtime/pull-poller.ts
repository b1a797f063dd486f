/**
 * The pull poller of the local runtime: for every enabled workflow whose
 * source is an SFTP server, list the source directory, start a transfer for a
 * file once its size and mtime are unchanged across two looks (decided by
 * `TrackingRepository.markPolledFile`, so exactly one poller starts each
 * version), and after the transfer succeeded apply the workflow's post-action.
 */
import { posix } from 'node:path';
import { createEndpoint } from '../../functions/core/endpoints';
import type { SftpLocation } from '../../functions/core/locations';
import type { SftpSessionPool } from '../../functions/core/sftp/session-pool';
import type { WorkflowDefinition } from '../../functions/core/tracking/records';
import type { TrackingRepository } from '../../functions/core/tracking/repository';
import type { LocalSftpServer } from './endpoints-file';

/** A file the poller decided to transfer. */
export interface PulledFile {
  readonly workflow: WorkflowDefinition;
  readonly customerId: string;
  readonly fileName: string;
  /** The source server, as `endpointRef` named it. */
  readonly server: LocalSftpServer;
  /** Path relative to the server's root. */
  readonly path: string;
  readonly size: number;
  readonly mtime: Date;
  /** Claim fingerprint of this version (size + mtime). */
  readonly fingerprint: string;
}

/** Options of {@link PullPoller}. */
export interface PullPollerOptions {
  readonly repository: TrackingRepository;
  readonly sftpPool: SftpSessionPool;
  /** The SFTP server an `endpointRef` names, or `undefined`. */
  readonly resolveEndpointRef: (endpointRef: string) => LocalSftpServer | undefined;
  /** Runs the transfer of one file; resolves `true` when every target has it (then the post-action runs). */
  readonly transfer: (file: PulledFile) => Promise<boolean>;
  readonly onError: (error: unknown) => void;
}

/** The customer a pull workflow works for: its `customerId` tag, else the last folder of its source directory. */
function pullCustomerId(workflow: WorkflowDefinition): string {
  const tagged = workflow.tags.customerId;
  if (tagged) return tagged;
  const folders = workflow.sourcePrefix.split('/').filter(Boolean);
  const last = folders[folders.length - 1];
  if (!last) throw new Error(`workflow ${workflow.id}: a pull source needs a sourcePrefix or a customerId tag`);
  return last;
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
  /** Files seen in the last poll that may start on the next one (first look, or still changing). */
  private waiting = 0;
  private readonly transfers = new Set<Promise<void>>();

  constructor(private readonly options: PullPollerOptions) {}

  /** Whether the last poll saw files that are not started yet, or transfers are still running. */
  get busy(): boolean {
    return this.waiting > 0 || this.transfers.size > 0;
  }

  /** Waits for the transfers started so far (and their post-actions). */
  async settle(): Promise<void> {
    while (this.transfers.size > 0) await Promise.all(this.transfers);
  }

  /** Looks once at the source directory of every enabled pull workflow. */
  async poll(): Promise<void> {
    let waiting = 0;
    const workflows = await this.options.repository.listWorkflows();
    for (const { definition: workflow } of workflows) {
      if (!workflow.enabled || workflow.source.type !== 'sftp') continue;
      try {
        waiting += await this.pollWorkflow(workflow, workflow.source.endpointRef);
      } catch (error) {
        this.options.onError(error);
      }
    }
    this.waiting = waiting;
  }

  private async pollWorkflow(workflow: WorkflowDefinition, endpointRef: string): Promise<number> {
    const server = this.options.resolveEndpointRef(endpointRef);
    if (!server) throw new Error(`workflow ${workflow.id}: no SFTP endpoint named "${endpointRef}"`);
    const directory = workflow.sourcePrefix.replace(/\/+$/, '');
    if (directory === '')
      throw new Error(`workflow ${workflow.id}: a pull source needs a sourcePrefix (its directory)`);
    const customerId = pullCustomerId(workflow);
    const listing = createEndpoint(localSftpLocation(server, directory), { sftpPool: this.options.sftpPool });
    const entries = await listing.list().catch((error: { code?: string }) => {
      // A source directory nobody has written to yet is an empty directory.
      if (error.code === 'NOT_FOUND') return [];
      throw error;
    });
    let waiting = 0;
    for (const entry of entries) {
      const fileName = posix.basename(entry.name);
      const look = await this.options.repository.markPolledFile({
        customerId,
        fileName,
        workflowId: workflow.id,
        size: entry.size,
        mtime: entry.mtime,
      });
      if (look.outcome === 'first-look' || look.outcome === 'changed') waiting += 1;
      if (!look.startTransfer) continue;
      const file: PulledFile = {
        workflow,
        customerId,
        fileName,
        server,
        path: entry.name,
        size: entry.size,
        mtime: entry.mtime,
        fingerprint: look.fingerprint,
      };
      const transfer = this.transferAndApplyPostAction(file).catch(this.options.onError);
      this.transfers.add(transfer);
      void transfer.finally(() => this.transfers.delete(transfer));
    }
    return waiting;
  }

  private async transferAndApplyPostAction(file: PulledFile): Promise<void> {
    if (await this.options.transfer(file)) await applyPostAction(file, this.options.sftpPool);
  }
}

/**
 * What happens to a pulled file once every target has it: `delete`, `move`
 * into `archiveDir` (relative to the server's root), or `keep` (the poll
 * record keeps it from being pulled again while it is unchanged).
 */
export async function applyPostAction(file: PulledFile, sftpPool: SftpSessionPool): Promise<void> {
  const postAction = file.workflow.postAction ?? { action: 'keep' as const };
  if (postAction.action === 'keep') return;
  const source = createEndpoint(localSftpLocation(file.server, file.path), { sftpPool });
  if (postAction.action === 'delete') await source.delete();
  else await source.move(posix.join(postAction.archiveDir.replace(/^\/+/, ''), file.fileName));
}
