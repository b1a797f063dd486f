/**
 * `/transfer-retry`: re-drive a failed file through its workflow, the same
 * path as `fileflow redrive` — resolve the open failure as `REDRIVEN` (which
 * releases the claim of the failed version), then start an execution with
 * `{ redrive: { fileId, failedAt } }` (on AWS, StartExecution; locally, the
 * runtime's own re-drive).
 *
 * Only people or channels on the allow-list may retry, and every use that
 * names a known file is written to that file's audit trail — refused ones too.
 * Deciding only reads; the audit and the re-drive are the writes, kept apart
 * so that on AWS only the bot's worker function holds write rights.
 * A failure already resolved is never re-driven again by the bot, so a
 * repeated (or replayed) request starts nothing.
 */
import { formatFileId, type FileRef } from '../tracking/keys';
import type { FailureRecord } from '../tracking/records';
import type { TrackingRepository } from '../tracking/repository';
import { filesNamed } from './answers';
import type { ChatActor } from './commands';
import type { Reply } from './replies';

/** Slack user ids (`U…`), Slack channel ids (`C…`), Teams AAD object ids or channel ids allowed to retry. */
export interface RetryAllowList {
  readonly userIds: readonly string[];
  readonly channelIds: readonly string[];
}

/** Whether `actor` is on the allow-list, by user or by channel. */
export function isRetryAllowed(actor: ChatActor, allowList: RetryAllowList): boolean {
  return allowList.userIds.includes(actor.userId) || allowList.channelIds.includes(actor.channelId);
}

/**
 * How a re-drive started: on AWS an execution ARN (or, for a pulled file, `REQUEUED` with
 * the poller), locally the finished execution's outcome.
 */
export interface RedriveStart {
  readonly executionId: string;
  readonly status: 'STARTED' | 'REQUEUED' | 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
}

/** Starts the re-drive execution of a failure already resolved as `REDRIVEN`. */
export type StartRedrive = (failure: FailureRecord) => Promise<RedriveStart>;

/** What deciding on a retry reads: the tables, never a write, so it may run with read-only rights. */
export interface RetryDecisionDeps {
  readonly repository: TrackingRepository;
  readonly allowList: RetryAllowList;
}

/** What the re-drive writes: the failure, the claim, the audit trail, and the new execution. */
export interface RedriveDeps {
  readonly repository: TrackingRepository;
  readonly startRedrive: StartRedrive;
}

/** The record a retry request leaves on the file's audit trail; written by whoever may write. */
export interface RetryAudit {
  readonly file: FileRef;
  readonly eventType: 'RETRY_REFUSED' | 'RETRY_REQUESTED';
  readonly message: string;
}

/**
 * The first, fast half of a retry: either an answer, or a file whose re-drive should go ahead.
 * Either way, when the request names one known file, the audit record to write for it.
 */
export type RetryDecision =
  | { readonly outcome: 'answered'; readonly reply: Reply; readonly audit?: RetryAudit }
  | { readonly outcome: 'accepted'; readonly file: FileRef; readonly reply: Reply; readonly audit: RetryAudit };

/**
 * Checks the allow-list and finds the file and its open failure. Reads only (a
 * few single items), so it runs inside the platform's answer deadline with the
 * rights of a read-only bot; the audit record it returns is written by
 * {@link auditRetryRequest}, the re-drive done by {@link redriveFile}.
 */
export async function decideRetry(deps: RetryDecisionDeps, actor: ChatActor, fileName: string): Promise<RetryDecision> {
  const files = await filesNamed(deps.repository, fileName);
  const file = files.length === 1 ? files[0] : undefined;
  const audit = (eventType: RetryAudit['eventType'], message: string) =>
    file === undefined ? undefined : { file, eventType, message };

  if (!isRetryAllowed(actor, deps.allowList)) {
    return {
      outcome: 'answered',
      audit: audit('RETRY_REFUSED', 'not on the retry allow-list'),
      reply: {
        title: 'Retry refused',
        sections: [{ text: 'You and this channel are not on the retry allow-list; ask an operator who is.' }],
      },
    };
  }
  if (file === undefined) {
    const sections =
      files.length === 0
        ? [{ text: `No transfer of ${fileName} is in the status history.` }]
        : [{ text: `Several customers sent ${fileName}; name one: ${files.map(formatFileId).join(', ')}` }];
    return { outcome: 'answered', reply: { title: 'Nothing retried', sections } };
  }
  const failure = await deps.repository.getFailure(file);
  const refusal = notRetryable(file, failure);
  if (refusal !== undefined) {
    return {
      outcome: 'answered',
      audit: audit('RETRY_REQUESTED', `nothing to re-drive: ${refusal}`),
      reply: { title: 'Nothing retried', sections: [{ text: refusal }] },
    };
  }
  return {
    outcome: 'accepted',
    file,
    audit: { file, eventType: 'RETRY_REQUESTED', message: 're-drive accepted' },
    reply: {
      title: `Re-driving ${formatFileId(file)}`,
      sections: [{ text: 'The failure is being resolved and the file sent through its workflow again.' }],
      note: 'The outcome follows in this conversation.',
    },
  };
}

/** Writes the audit record of a retry request to the file's trail. */
export async function auditRetryRequest(
  repository: TrackingRepository,
  actor: ChatActor,
  text: string,
  audit: RetryAudit,
): Promise<void> {
  await auditUse(repository, audit.file, actor, text, audit.eventType, audit.message);
}

/** The second half: resolve the failure as `REDRIVEN`, start the execution, audit, answer. */
export async function redriveFile(deps: RedriveDeps, actor: ChatActor, file: FileRef, text: string): Promise<Reply> {
  const fileId = formatFileId(file);
  const resolved = await deps.repository.resolveFailure(file, {
    outcome: 'REDRIVEN',
    resolvedBy: `${actor.platform}:${actor.userId}${actor.userName ? ` (${actor.userName})` : ''} via chat bot`,
  });
  if (resolved.outcome === 'already-resolved') {
    return { title: 'Nothing retried', sections: [{ text: notRetryable(file, resolved.failure)! }] };
  }
  const started = await deps.startRedrive(resolved.failure);
  await auditUse(
    deps.repository,
    file,
    actor,
    text,
    'REDRIVE_STARTED',
    `execution ${started.executionId}: ${started.status}`,
    started.executionId,
  );
  const title =
    started.status === 'FAILED'
      ? `Re-drive of ${fileId} failed`
      : `${started.status === 'SUCCEEDED' ? 'Re-drove' : 'Re-driving'} ${fileId}`;
  return {
    title,
    sections: [
      {
        fields: [
          { label: 'Workflow', value: resolved.failure.workflowId },
          { label: 'Execution', value: started.executionId },
          { label: 'Outcome', value: started.status },
          ...(started.error ? [{ label: 'Error', value: started.error }] : []),
        ],
      },
    ],
    note: `Failure of ${resolved.failure.failedAt} resolved as REDRIVEN by ${actor.userName ?? actor.userId}`,
  };
}

/** Why a file cannot be re-driven now, or `undefined` when it can. */
function notRetryable(file: FileRef, failure: FailureRecord | undefined): string | undefined {
  const fileId = formatFileId(file);
  if (failure === undefined) return `${fileId} has no failure to re-drive.`;
  const resolution = failure.resolution;
  if (resolution === undefined) return undefined;
  return resolution.outcome === 'DISMISSED'
    ? `The failure of ${fileId} was dismissed by ${resolution.resolvedBy}.`
    : `${fileId} was already re-driven by ${resolution.resolvedBy} at ${resolution.resolvedAt}.`;
}

async function auditUse(
  repository: TrackingRepository,
  file: FileRef,
  actor: ChatActor,
  text: string,
  eventType: 'RETRY_REFUSED' | 'RETRY_REQUESTED' | 'REDRIVE_STARTED',
  message: string,
  executionId?: string,
): Promise<void> {
  await repository.appendAudit({
    ...file,
    eventType,
    message,
    executionId,
    metadata: {
      source: 'chat bot',
      platform: actor.platform,
      userId: actor.userId,
      ...(actor.userName ? { userName: actor.userName } : {}),
      channelId: actor.channelId,
      command: text,
    },
  });
}
