/**
 * Manual Review: a transfer that cannot complete goes to the TransferFailureQueue, where
 * `fileflow status --failed` lists it until an operator re-drives or dismisses it.
 */
import type { TrackingRepository } from '../tracking/repository';
import { repositoryOf, type TrackingDeps } from './deps';
import type { WorkflowState } from './state';

/** Longest error text kept in a record; the execution history holds the rest. */
const MAX_ERROR_CHARS = 2000;

/** Why a transfer failed: an UPPER_SNAKE code and a readable message. */
export interface FailureReason {
  readonly reasonCode: string;
  readonly message: string;
}

/** Puts the file in the failure queue and returns why it failed (the workflow keeps it at `$.review`). */
export async function queueForReview(state: WorkflowState, deps: TrackingDeps): Promise<FailureReason> {
  const repository = repositoryOf(deps);
  const reason = failureReason(state);
  const { file } = state;
  await repository.enqueueFailure({
    customerId: file.customerId,
    fileName: file.fileName,
    workflowId: file.workflowId,
    fingerprint: file.fingerprint,
    executionId: state.executionId,
    reasonCode: reason.reasonCode,
    lastError: reason.message,
    retryCount: await durableRetryCount(state, repository),
    ...(file.sourceUri ? { sourceUri: file.sourceUri } : {}),
  });
  return reason;
}

/**
 * Reads why the execution is on the failure path: a rejection by Validate Input, failed
 * targets (a transient error that outlived its retries is `RETRIES_EXHAUSTED`), an error
 * caught around the Map, or a retry count already over the limit.
 */
export function failureReason(state: WorkflowState): FailureReason {
  if (state.review) return state.review;
  if (state.rejection) return state.rejection;
  const failed = (state.copies?.targets ?? []).flatMap((outcome) => (outcome.status === 'FAILED' ? [outcome] : []));
  if (failed.length > 0) {
    const first = failed[0]!;
    const exhausted = first.error === 'TransientTransferError';
    return {
      reasonCode: exhausted ? 'RETRIES_EXHAUSTED' : codeOf(first.error, first.cause),
      message: truncate(
        failed
          .map(
            (f) =>
              `${f.targetId}: ${messageOf(f.cause)}${f.error === 'TransientTransferError' ? ' (retries exhausted)' : ''}`,
          )
          .join('; '),
      ),
    };
  }
  if (state.error)
    return {
      reasonCode: codeOf(state.error.Error, state.error.Cause),
      message: truncate(messageOf(state.error.Cause ?? state.error.Error)),
    };
  if (state.transfer && state.transfer.retryCount > state.transfer.maxRetries) {
    return {
      reasonCode: 'RETRIES_EXHAUSTED',
      message: `retry count ${state.transfer.retryCount} is over the limit of ${state.transfer.maxRetries}`,
    };
  }
  return { reasonCode: 'UNKNOWN', message: 'the transfer failed for a reason the workflow did not record' };
}

/** The claim's retry counter, as the retry loop left it; 0 when nothing was claimed. */
export async function durableRetryCount(state: WorkflowState, repository: TrackingRepository): Promise<number> {
  if (!state.transfer) return 0;
  const report = await repository.statusForFile(state.file);
  return report.claims.find((claim) => claim.fingerprint === state.file.fingerprint)?.retryCount ?? 0;
}

/**
 * A Lambda error's `Cause` is JSON (`{ errorType, errorMessage, trace }`) on AWS and the
 * plain message locally; the message is what a person needs.
 */
function messageOf(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // a plain message
  }
  return cause;
}

/** The engine's code at the start of the message (`HOST_KEY_MISMATCH: …`), else the error name in UPPER_SNAKE. */
function codeOf(errorName: string, cause: string | undefined): string {
  const code = /^([A-Z][A-Z0-9_]*): /.exec(messageOf(cause ?? ''))?.[1];
  if (code) return code;
  return errorName
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .replace(/^[^A-Z]+/, '');
}

function truncate(text: string): string {
  return text.length <= MAX_ERROR_CHARS ? text : `${text.slice(0, MAX_ERROR_CHARS - 1)}…`;
}
