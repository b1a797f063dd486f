/**
 * Copy To S3 / Copy To SFTP: one file to one target through the copy engine. The
 * source is read, hashed and written in one streaming pass inside the handler; only the
 * result (URI, bytes, SHA-256) goes back to the workflow.
 */
import { z } from 'zod';
import { TransferErrorNames } from '../../../asl/workflows/transfer';
import { copy } from '../copy';
import { createEndpoint } from '../endpoints';
import { classifyError, HostKeyMismatchError, type TransferErrorCode } from '../errors';
import { Location } from '../locations';
import type { CopyDeps } from './deps';
import { FileIdentity, PlannedTarget, type TargetOutcome } from './state';

/** What a copy Task receives (the Map's item, narrowed by the Task's payload template). */
export const CopyPayload = z.object({ file: FileIdentity, source: Location, target: PlannedTarget });
/** What a copy Task receives. */
export type CopyPayload = z.infer<typeof CopyPayload>;

/**
 * A failed copy as the workflow sees it: `name` is what Retry/Catch match on
 * ({@link TransferErrorNames}), the message starts with the engine's code.
 */
export class WorkflowTransferError extends Error {
  constructor(
    readonly code: TransferErrorCode,
    readonly transient: boolean,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = transient ? TransferErrorNames.transient : TransferErrorNames.permanent;
  }
}

/**
 * Copies the file to one target. An SFTP target pinned with several host keys (a
 * rotation) is tried with each until one matches; any other failure ends the attempt.
 * `signal` stops the copy (the handler's deadline). Throws a {@link WorkflowTransferError}.
 */
export async function copyToTarget(
  payload: CopyPayload,
  deps: CopyDeps,
  options: { readonly signal?: AbortSignal } = {},
): Promise<TargetOutcome> {
  const clients = { s3: deps.s3, ...deps.endpointClients };
  const { target } = payload;
  const pins = target.location.type === 'sftp' ? (target.hostKeyFingerprints ?? []) : [];
  const attempts: Location[] =
    target.location.type === 'sftp' && pins.length > 1
      ? pins.map((fingerprint) => ({ ...target.location, hostKey: { fingerprint } }) as Location)
      : [target.location];
  try {
    for (const [index, location] of attempts.entries()) {
      try {
        const result = await copy(createEndpoint(payload.source, clients), createEndpoint(location, clients), {
          signal: options.signal,
        });
        return {
          status: 'COPIED',
          targetId: target.id,
          uri: result.target,
          bytes: result.bytes,
          sha256: result.sha256,
          seconds: Math.round(result.seconds * 1000) / 1000,
        };
      } catch (error) {
        if (!(error instanceof HostKeyMismatchError) || index === attempts.length - 1) throw error;
      }
    }
    throw new Error('unreachable: no location to copy to');
  } catch (error) {
    const classified = classifyError(error);
    throw new WorkflowTransferError(classified.code, classified.transient, `${target.id}: ${classified.message}`);
  }
}
