/**
 * The pull poller, as the `poll-pull-sources` Lambda runs it on a schedule and
 * the local runtime runs it on its own tick. For every enabled workflow whose
 * source is an SFTP server, one poll:
 *
 * 1. lists the workflow's source directory;
 * 2. records a look at each file (`TrackingRepository.markPolledFile`): a file
 *    starts once its size and mtime are unchanged across two looks, and exactly
 *    one poller wins the start of a version;
 * 3. starts one transfer execution per started version, named after the
 *    version and its start count, so a second start of the same version is
 *    refused by Step Functions too (`ExecutionAlreadyExists`);
 * 4. for a started version that is not settled yet, reads its status: once a
 *    `SUCCESS` of that very version is recorded (Log Success writes it only when
 *    every target has the file), applies the workflow's post-action (`delete`,
 *    `move` to `archiveDir`, or `keep`) and marks the version settled. A failed
 *    version stays where it is until an operator re-drives or dismisses it.
 *
 * So the post-action never runs before every target has the file, and it runs
 * even when the transfer succeeded only after a re-drive.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { EndpointClients } from '../endpoints';
import { createEndpoint } from '../endpoints';
import type { ListEntry } from '../endpoint';
import type { SftpLocation } from '../locations';
import type { FileRef } from '../tracking/keys';
import type { PolledFileRecord, WorkflowDefinition } from '../tracking/records';
import type { PollLook, TrackingRepository } from '../tracking/repository';
import { pullSourceLocation, type PullSourceEndpoint } from './sources';

/** The execution input of a pulled file: the shape Validate Input parses as a pull request. */
export interface PullExecutionInput {
  readonly pull: {
    readonly workflowId: string;
    readonly customerId: string;
    readonly source: SftpLocation;
    readonly size: number;
    /** ISO-8601, as the poller's look recorded it. */
    readonly mtime: string;
  };
}

/** One execution the poller asks for. */
export interface PullExecutionRequest {
  /** Unique per file version and start: `StartExecution`'s `name`. */
  readonly name: string;
  readonly input: PullExecutionInput;
}

/**
 * Starts an execution of the transfer workflow (`StartExecution` on AWS). When the
 * name is taken it throws an error named {@link EXECUTION_ALREADY_EXISTS}, as Step
 * Functions does; for a running execution with the same input it may also return quietly.
 */
export type ExecutionStarter = (request: PullExecutionRequest) => Promise<void>;

/** Step Functions' error name for a start whose execution name is taken. */
export const EXECUTION_ALREADY_EXISTS = 'ExecutionAlreadyExists';

/**
 * A version started this long ago without any status of its own (Validate Input records
 * `IN_PROGRESS` first thing) is started again under the same name: if the first start got
 * through, Step Functions refuses the second; if the poller died in between, the file moves.
 */
export const STALE_START_MS = 10 * 60_000;

/** What the poller runs on. */
export interface PullPollerDeps {
  readonly repository: TrackingRepository;
  /** The SFTP session pool, and Secrets Manager for keys held there. */
  readonly endpointClients: EndpointClients;
  /** The pull server a workflow's `endpointRef` names, or `undefined`. */
  readonly resolveSource: (endpointRef: string) => PullSourceEndpoint | undefined;
  readonly startExecution: ExecutionStarter;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Options of one {@link pollPullSources} call. */
export interface PollOptions {
  /** Look at this workflow only (the harness hurrying a pull flow). @default every enabled pull workflow */
  readonly workflowId?: string;
}

/** What one poll did. */
export interface PollSummary {
  /** Pull workflows looked at. */
  readonly workflows: number;
  /** Files listed across them. */
  readonly listed: number;
  /** Files seen for the first time or still changing: they may start on the next poll. */
  readonly waiting: number;
  /** Names of the executions started. */
  readonly started: readonly string[];
  /** Versions whose post-action ran in this poll. */
  readonly settled: number;
  /** One line per workflow or file the poll could not handle; the rest went on. */
  readonly errors: readonly string[];
}

/** A file version the poller found, with everything needed to start it or finish it. */
interface PolledFile extends FileRef {
  readonly workflow: WorkflowDefinition;
  readonly endpoint: PullSourceEndpoint;
  readonly entry: ListEntry;
  readonly look: PollLook;
}

/** Looks once at the source directory of every enabled pull workflow (or the one asked for). */
export async function pollPullSources(deps: PullPollerDeps, options: PollOptions = {}): Promise<PollSummary> {
  const summary = { workflows: 0, listed: 0, waiting: 0, started: [] as string[], settled: 0, errors: [] as string[] };
  const workflows = (await deps.repository.listWorkflows())
    .map((stored) => stored.definition)
    .filter((workflow) => workflow.enabled && workflow.source.type === 'sftp')
    .filter((workflow) => options.workflowId === undefined || workflow.id === options.workflowId);
  for (const workflow of workflows) {
    summary.workflows += 1;
    try {
      for (const file of await lookAtSource(workflow, deps)) {
        summary.listed += 1;
        try {
          const done = await handleLook(file, deps);
          if (done === 'waiting') summary.waiting += 1;
          else if (done === 'settled') summary.settled += 1;
          else if (done !== 'nothing') summary.started.push(done.started);
        } catch (error) {
          summary.errors.push(`${workflow.id} ${file.customerId}/${file.fileName}: ${describe(error)}`);
        }
      }
    } catch (error) {
      summary.errors.push(`${workflow.id}: ${describe(error)}`);
    }
  }
  return summary;
}

/** Lists a workflow's source directory and records a look at every file in it. */
async function lookAtSource(workflow: WorkflowDefinition, deps: PullPollerDeps): Promise<PolledFile[]> {
  if (workflow.source.type !== 'sftp') return [];
  const { endpointRef } = workflow.source;
  const endpoint = deps.resolveSource(endpointRef);
  if (!endpoint) throw new Error(`no pull server named "${endpointRef}" is configured for the poller`);
  const directory = workflow.sourcePrefix.replace(/\/+$/, '');
  if (directory === '') throw new Error('a pull source needs a sourcePrefix (its directory)');
  const customerId = pullCustomerId(workflow);
  const listing = createEndpoint(pullSourceLocation(endpoint, directory), deps.endpointClients);
  const entries = await listing.list().catch((error: { code?: string }) => {
    // A source directory nobody has written to yet is an empty directory.
    if (error.code === 'NOT_FOUND') return [];
    throw error;
  });
  const files: PolledFile[] = [];
  for (const entry of entries) {
    const fileName = posix.basename(entry.name);
    const look = await deps.repository.markPolledFile({
      customerId,
      fileName,
      workflowId: workflow.id,
      size: entry.size,
      mtime: entry.mtime,
    });
    files.push({ customerId, fileName, workflow, endpoint, entry, look });
  }
  return files;
}

type LookHandled = 'waiting' | 'nothing' | 'settled' | { readonly started: string };

async function handleLook(file: PolledFile, deps: PullPollerDeps): Promise<LookHandled> {
  const { look } = file;
  if (look.outcome === 'first-look' || look.outcome === 'changed') return 'waiting';
  if (look.outcome === 'start') return { started: await start(file, deps) };
  if (look.record.settledAt !== undefined) return 'nothing';

  const { history } = await deps.repository.statusForFile(file);
  const ofVersion = history.filter((s) => s.workflowId === file.workflow.id && s.fingerprint === look.fingerprint);
  if (ofVersion.some((status) => status.status === 'SUCCESS')) {
    await applyPostAction(file.workflow, file.endpoint, file.entry.name, deps.endpointClients);
    await deps.repository.settlePolledFile({ ...versionRef(file) });
    return 'settled';
  }
  const startedAt = Date.parse(look.record.startedAt ?? '');
  const now = (deps.now ?? (() => new Date()))().getTime();
  if (ofVersion.length === 0 && now - startedAt > STALE_START_MS) {
    return { started: await start(file, deps) };
  }
  return 'nothing';
}

/** Starts the transfer of a version; a refused start (other than a taken name) lets the next poll try again. */
async function start(file: PolledFile, deps: PullPollerDeps): Promise<string> {
  const request = pullExecutionRequest(file.workflow, file.endpoint, file.entry.name, file.look.record);
  try {
    await deps.startExecution(request);
  } catch (error) {
    if ((error as { name?: string }).name === EXECUTION_ALREADY_EXISTS) return request.name;
    await deps.repository.rearmPolledFile(versionRef(file));
    throw error;
  }
  return request.name;
}

/**
 * The execution of one start of one file version: its name is a digest of the workflow,
 * file and version plus the start count, so the same start is the same name everywhere.
 */
export function pullExecutionRequest(
  workflow: WorkflowDefinition,
  endpoint: PullSourceEndpoint,
  path: string,
  look: PolledFileRecord,
): PullExecutionRequest {
  const digest = createHash('sha256')
    .update(JSON.stringify([workflow.id, look.customerId, look.fileName, look.size, look.mtime]))
    .digest('hex')
    .slice(0, 40);
  return {
    // Step Functions names: at most 80 characters of letters, digits, '-' and '_'.
    name: `pull-${digest}-${look.starts ?? 1}`,
    input: {
      pull: {
        workflowId: workflow.id,
        customerId: look.customerId,
        source: pullSourceLocation(endpoint, path),
        size: look.size,
        mtime: look.mtime,
      },
    },
  };
}

/**
 * What happens to a pulled file once every target has it: `delete`, `move` into
 * `archiveDir` (relative to the server's base directory), or `keep` (its settled look
 * keeps it from being pulled again while it is unchanged).
 */
export async function applyPostAction(
  workflow: WorkflowDefinition,
  endpoint: PullSourceEndpoint,
  path: string,
  clients: EndpointClients,
): Promise<void> {
  const postAction = workflow.postAction ?? { action: 'keep' as const };
  if (postAction.action === 'keep') return;
  const source = createEndpoint(pullSourceLocation(endpoint, path), clients);
  if (postAction.action === 'delete') await source.delete();
  else await source.move(posix.join(postAction.archiveDir.replace(/^\/+/, ''), posix.basename(path)));
}

/** The customer a pull workflow works for: its `customerId` tag, else the last folder of its source directory. */
export function pullCustomerId(workflow: WorkflowDefinition): string {
  const tagged = workflow.tags.customerId;
  if (tagged) return tagged;
  const folders = workflow.sourcePrefix.split('/').filter(Boolean);
  const last = folders[folders.length - 1];
  if (!last) throw new Error(`workflow ${workflow.id}: a pull source needs a sourcePrefix or a customerId tag`);
  return last;
}

function versionRef(file: PolledFile) {
  return {
    customerId: file.customerId,
    fileName: file.fileName,
    workflowId: file.workflow.id,
    fingerprint: file.look.fingerprint,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
