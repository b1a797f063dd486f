/**
 * Log Success / Log Failure: the final status of a transfer in the status history, the
 * customer file index and the audit log, and the notice the rest of the workflow acts on.
 */
import type { AuditInput } from '../tracking/repository';
import { repositoryOf, type TrackingDeps } from './deps';
import { durableRetryCount, failureReason } from './review';
import type { Notice, WorkflowState } from './state';
import { eventIdFor } from './validate';

/** SNS subjects: ASCII, no line breaks, at most 100 characters. */
const MAX_SUBJECT_CHARS = 100;

/** Records the outcome and returns the notice (the workflow keeps it at `$.notice`). */
export async function logOutcome(
  outcome: 'SUCCESS' | 'FAILURE',
  state: WorkflowState,
  deps: TrackingDeps,
): Promise<Notice> {
  const repository = repositoryOf(deps);
  const { file, executionId } = state;
  const retryCount = await durableRetryCount(state, repository);
  const targets = state.copies?.targets ?? [];
  const targetSummary = Object.fromEntries(
    targets.map((t) => [t.targetId, t.status === 'COPIED' ? t.uri : `FAILED ${t.error}`]),
  );
  const ref = { customerId: file.customerId, fileName: file.fileName };
  const audit = (fields: Omit<AuditInput, 'customerId' | 'fileName' | 'eventId'>) =>
    repository.appendAudit({
      ...ref,
      eventId: eventIdFor(executionId, fields.eventType),
      workflowId: file.workflowId,
      executionId,
      retryCount,
      ...fields,
    });

  if (outcome === 'SUCCESS') {
    const copies = targets.flatMap((t) => (t.status === 'COPIED' ? [t] : []));
    const hashes = [...new Set(copies.map((c) => c.sha256))];
    await repository.recordStatus({
      ...ref,
      workflowId: file.workflowId,
      status: 'SUCCESS',
      fingerprint: file.fingerprint,
      executionId,
      retryCount,
      targetSummary,
      metadata: { sha256: hashes.join(','), bytes: copies[0]?.bytes ?? 0 },
    });
    await repository.indexCustomerFile({
      ...ref,
      workflowId: file.workflowId,
      status: 'SUCCESS',
      retryCount,
      targetSummary,
    });
    const delivered = copies.map((c) => `${c.targetId} ${c.uri}`).join(', ');
    await audit({ eventType: 'COPIED', status: 'SUCCESS', message: `sha256 ${hashes.join(',')} → ${delivered}` });
    return {
      event: 'SUCCESS',
      notify: state.transfer?.notifications?.onSuccess ?? false,
      reasonCode: 'DELIVERED',
      subject: subject(`fileflow: ${file.fileName} delivered`),
      message: `${file.customerId}/${file.fileName} (workflow ${file.workflowId}) was delivered to ${delivered}; sha256 ${hashes.join(',')}.`,
    };
  }

  const reason = state.review ?? failureReason(state);
  await repository.recordStatus({
    ...ref,
    workflowId: file.workflowId,
    status: 'FAILED',
    fingerprint: file.fingerprint,
    executionId,
    retryCount,
    errorMessage: `${reason.reasonCode}: ${reason.message}`,
    ...(targets.length ? { targetSummary } : {}),
  });
  await repository.indexCustomerFile({
    ...ref,
    workflowId: file.workflowId,
    status: 'FAILED',
    retryCount,
    errorMessage: `${reason.reasonCode}: ${reason.message}`,
    ...(targets.length ? { targetSummary } : {}),
  });
  await audit({ eventType: 'FAILED', status: 'FAILED', message: `${reason.reasonCode}: ${reason.message}` });
  return {
    event: 'FAILURE',
    notify: state.transfer?.notifications?.onFailure ?? true,
    reasonCode: reason.reasonCode,
    subject: subject(`fileflow: ${file.fileName} failed (${reason.reasonCode})`),
    message: `${file.customerId}/${file.fileName} (workflow ${file.workflowId}) failed after ${retryCount} retries and is in the failure queue for review: ${reason.reasonCode}: ${reason.message}`,
  };
}

function subject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= MAX_SUBJECT_CHARS ? ascii : `${ascii.slice(0, MAX_SUBJECT_CHARS - 3)}...`;
}
