/**
 * Validate Input of the transfer workflow. Env: the six tracking table variables
 * (`FILE_TRANSFER_STATUS_TABLE`, …). IAM: Scan/GetItem on WorkflowDefinition;
 * PutItem/GetItem on FileTransferStatus and FileTransferAuditLog; GetItem on
 * TransferFailureQueue (re-drive).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { trackingDepsFromEnvironment } from '../core/pipeline/aws-tracking-deps';
import type { ValidationResult } from '../core/pipeline/state';
import { validateTransfer, ValidatePayload } from '../core/pipeline/validate';

const logger = new Logger({ serviceName: 'fileflow-transfer' });
const deps = trackingDepsFromEnvironment(process.env);

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ValidationResult> {
  const result = await validateTransfer(ValidatePayload.parse(event), deps);
  logger.info('validated', {
    status: result.status,
    file: result.file,
    ...('rejection' in result ? result.rejection : {}),
  });
  return result;
}
