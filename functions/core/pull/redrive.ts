/**
 * Re-drive of a pulled file, the same on AWS and on the local runtime: once the
 * failure is resolved as `REDRIVEN` (which released the version's claim), the
 * poller's look at that version is re-armed, so the next poll starts it again —
 * with the server, key and host key the poller is configured with now, under a
 * new execution name, and followed by the post-action once every target has it.
 * Nothing but the poller ever needs the pull server's credentials.
 */
import { parsePollFingerprint } from '../tracking/keys';
import type { FailureRecord } from '../tracking/records';
import type { TrackingRepository } from '../tracking/repository';

/** Whether a failure is about a file the poller pulled from an SFTP server. */
export function isPulledFailure(failure: FailureRecord): boolean {
  return failure.sourceUri?.startsWith('sftp://') === true && parsePollFingerprint(failure.fingerprint) !== undefined;
}

/**
 * `rearmed`: the poller starts the version on its next poll. `new-look`: the poller has
 * no started look of that version (the file changed, or its look expired), so it treats
 * the file as new: two looks, then a start that may claim the released version.
 */
export type PulledRedrive = 'rearmed' | 'new-look';

/** Hands a pulled file whose failure was resolved as `REDRIVEN` back to the poller. */
export async function redrivePulledFile(
  repository: TrackingRepository,
  failure: FailureRecord,
): Promise<PulledRedrive> {
  if (failure.resolution?.outcome !== 'REDRIVEN') {
    throw new Error(`resolve the failure of ${failure.customerId}/${failure.fileName} as REDRIVEN first`);
  }
  const rearmed = await repository.rearmPolledFile({
    customerId: failure.customerId,
    fileName: failure.fileName,
    workflowId: failure.workflowId,
    fingerprint: failure.fingerprint,
  });
  return rearmed ? 'rearmed' : 'new-look';
}
