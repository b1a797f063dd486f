/**
 * Re-drive on AWS, shared by `fileflow redrive` and the chat bot's `/transfer-retry`:
 * once a failure is resolved as `REDRIVEN` (which released the failed version's claim),
 * a pulled file goes back to the pipeline's poller (`functions/core/pull/redrive.ts`) and
 * any other file starts a new execution of the transfer state machine with
 * `{ redrive: { fileId, failedAt } }`. The local runtime's re-drive is
 * `cli/runtime/local-redrive.ts`.
 */
import { isPulledFailure, redrivePulledFile, type PulledRedrive } from '../pull/redrive';
import { formatFileId } from '../tracking/keys';
import type { FailureRecord } from '../tracking/records';
import type { TrackingRepository } from '../tracking/repository';

/** Execution input of the re-drive of a file read from S3 (Validate reads the failure back). */
export interface RedriveExecutionInput {
  readonly redrive: { readonly fileId: string; readonly failedAt: string };
}

/** How a re-drive went on its way. */
export type AwsRedrive =
  | { readonly kind: 'started'; readonly executionArn: string }
  | { readonly kind: 'requeued'; readonly handedBack: PulledRedrive };

/** Starts an execution of the transfer state machine and returns its ARN. */
export type StartTransferExecution = (input: RedriveExecutionInput) => Promise<string>;

/** The execution input that re-drives `failure`. */
export function redriveExecutionInput(failure: FailureRecord): RedriveExecutionInput {
  return { redrive: { fileId: formatFileId(failure), failedAt: failure.failedAt } };
}

/**
 * Sends a failure resolved as `REDRIVEN` through its workflow again.
 * @throws Error when the failure is not resolved as `REDRIVEN`
 */
export async function redriveOnAws(
  repository: TrackingRepository,
  failure: FailureRecord,
  startExecution: StartTransferExecution,
): Promise<AwsRedrive> {
  if (failure.resolution?.outcome !== 'REDRIVEN') {
    throw new Error(`resolve the failure of ${formatFileId(failure)} as REDRIVEN first`);
  }
  if (isPulledFailure(failure)) {
    return { kind: 'requeued', handedBack: await redrivePulledFile(repository, failure) };
  }
  return { kind: 'started', executionArn: await startExecution(redriveExecutionInput(failure)) };
}
