/**
 * Log Success and Log Failure of the transfer workflow: status history, customer file
 * index and audit log. Env: the six tracking table variables. IAM: PutItem and Query on
 * FileTransferStatus; PutItem on CustomerFileIndex; PutItem/GetItem on FileTransferAuditLog.
 */
import { trackingDepsFromEnvironment } from '../core/pipeline/aws-tracking-deps';
import { logOutcome } from '../core/pipeline/outcome';
import { OutcomePayload, type Notice } from '../core/pipeline/state';

const deps = trackingDepsFromEnvironment(process.env);

/** Lambda entry point. */
export async function handler(event: unknown): Promise<Notice> {
  const { outcome, state } = OutcomePayload.parse(event);
  return logOutcome(outcome, state, deps);
}
