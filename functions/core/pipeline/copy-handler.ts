/**
 * The Lambda entry of both copy functions. They run the same core and differ only in what
 * their roles may reach (S3 targets vs partner SFTP servers and their key secrets).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { pipelineDepsFromEnvironment } from './aws-deps';
import { CopyPayload, copyToTarget } from './copy-target';
import type { TargetOutcome } from './state';

/** Builds the handler once per module: clients and logger are made at cold start. */
export function createCopyHandler(): (event: unknown) => Promise<TargetOutcome> {
  const logger = new Logger({ serviceName: 'fileflow-transfer' });
  const deps = pipelineDepsFromEnvironment(process.env);
  return async (event) => {
    const payload = CopyPayload.parse(event);
    try {
      const outcome = await copyToTarget(payload, deps);
      logger.info('copied', { file: payload.file, outcome });
      return outcome;
    } catch (error) {
      logger.error('copy failed', { file: payload.file, target: payload.target.id, error: error as Error });
      throw error;
    }
  };
}
