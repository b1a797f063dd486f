/**
 * The Lambda entry of both copy functions. They run the same core and differ only in what
 * their roles may reach (S3 targets vs partner SFTP servers and their key secrets).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CLEAN_UP_MS, stopBeforeTimeout, type InvocationContext } from '../deadline';
import { copyDepsFromEnvironment } from './aws-deps';
import { CopyPayload, copyToTarget } from './copy-target';
import type { TargetOutcome } from './state';

/** Settings of the copy functions' handler. */
export interface CopyHandlerOptions {
  /**
   * Time kept before the function's timeout: a copy still running then is stopped, so that it
   * removes its temporary file on the partner's server or aborts its multipart upload, instead
   * of being killed with them left behind, and fails as a transient TIMEOUT. @default 15 s
   */
  readonly cleanUpMs?: number;
}

/** Builds the handler once per module: clients and logger are made at cold start. */
export function createCopyHandler(
  options: CopyHandlerOptions = {},
): (event: unknown, context?: InvocationContext) => Promise<TargetOutcome> {
  const logger = new Logger({ serviceName: 'fileflow-transfer' });
  const deps = copyDepsFromEnvironment();
  const cleanUpMs = options.cleanUpMs ?? CLEAN_UP_MS;
  return async (event, context) => {
    const payload = CopyPayload.parse(event);
    const deadline = stopBeforeTimeout(context, cleanUpMs);
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
