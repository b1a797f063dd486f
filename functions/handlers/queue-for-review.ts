/**
 * Manual Review of the transfer workflow: puts the file in the TransferFailureQueue.
 * Env: the six tracking table variables. IAM: UpdateItem on TransferFailureQueue; Query
 * on FileTransferStatus (the retry counter).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { trackingDepsFromEnvironment } from '../core/pipeline/aws-tracking-deps';
import { queueForReview, type FailureReason } from '../core/pipeline/review';
import { StatePayload } from '../core/pipeline/state';

const logger = new Logger({ serviceName: 'fileflow-transfer' });
const deps = trackingDepsFromEnvironment(process.env);

/** Lambda entry point. */
export async function handler(event: unknown): Promise<FailureReason> {
  const { state } = StatePayload.parse(event);
  const reason = await queueForReview(state, deps);
  logger.warn('queued for review', { file: state.file, ...reason });
  return reason;
}
