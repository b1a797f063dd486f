/**
 * Copy To SFTP of the transfer workflow: one file to one target through the copy engine.
 * A failure is thrown as `TransientTransferError` or `PermanentTransferError`, the
 * names the workflow's Catch rules match. Env: the six tracking table variables. IAM:
 * s3:GetObject on the landing bucket (and kms:Decrypt); secretsmanager:GetSecretValue on the targets' key secrets; network egress to the partner servers.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { pipelineDepsFromEnvironment } from '../core/pipeline/aws-deps';
import { CopyPayload, copyToTarget } from '../core/pipeline/copy-target';
import type { TargetOutcome } from '../core/pipeline/state';

const logger = new Logger({ serviceName: 'fileflow-transfer' });
const deps = pipelineDepsFromEnvironment(process.env);

/** Lambda entry point. */
export async function handler(event: unknown): Promise<TargetOutcome> {
  const payload = CopyPayload.parse(event);
  try {
    const outcome = await copyToTarget(payload, deps);
    logger.info('copied', { file: payload.file, outcome });
    return outcome;
  } catch (error) {
    logger.error('copy failed', { file: payload.file, target: payload.target.id, error: error as Error });
    throw error;
  }
}
