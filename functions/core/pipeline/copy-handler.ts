/**
 * The Lambda entry of both copy functions. They run the same core and differ only in what
 * their roles may reach (S3 targets vs partner SFTP servers and their key secrets).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { stopBeforeTimeout, type InvocationContext } from '../deadline';
import { copyDepsFromEnvironment } from './aws-deps';
import { CopyPayload, copyToTarget } from './copy-target';
import type { TargetOutcome } from './state';

/**
 * Builds the handler once per module: clients and logger are made at cold start. Given Lambda's
 * context, a copy still running 15 s before the function's timeout is stopped, so that it removes
 * its temporary file on the partner's server or aborts its multipart upload instead of being
 * killed with them left behind, and fails as a transient TIMEOUT (stopBeforeTimeout).
 */
export function createCopyHandler(): (event: unknown, context?: InvocationContext) => Promise<TargetOutcome> {
  const logger = new Logger({ serviceName: 'fileflow-transfer' });
  const deps = copyDepsFromEnvironment();
  return async (event, context) => {
    const payload = CopyPayload.parse(event);
    const deadline = stopBeforeTimeout(context);
    try {
      const outcome = await copyToTarget(payload, deps, { signal: deadline.signal });
      logger.info('copied', { file: payload.file, outcome });
      return outcome;
    } catch (error) {
      logger.error('copy failed', { file: payload.file, target: payload.target.id, error: error as Error });
      throw error;
    } finally {
      deadline.clear();
    }
  };
}
