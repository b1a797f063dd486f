/**
 * The Lambda entry of both copy functions. They run the same core and differ only in what
 * their roles may reach (S3 targets vs partner SFTP servers and their key secrets).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { TimeoutError } from '../errors';
import { pipelineDepsFromEnvironment } from './aws-deps';
import { CopyPayload, copyToTarget } from './copy-target';
import type { TargetOutcome } from './state';

/** What the handler reads of Lambda's invocation context. */
export interface InvocationContext {
  /** Milliseconds left before Lambda ends the invocation. */
  getRemainingTimeInMillis(): number;
}

/** Settings of the copy functions' handler. */
export interface CopyHandlerOptions {
  /**
   * Time kept before the function's timeout: a copy still running then is stopped, so that it
   * removes its temporary file on the partner's server or aborts its multipart upload, instead
   * of being killed with them left behind, and fails as a transient TIMEOUT. @default 15 s
   */
  readonly cleanUpMs?: number;
}

const CLEAN_UP_MS = 15_000;

/** Builds the handler once per module: clients and logger are made at cold start. */
export function createCopyHandler(
  options: CopyHandlerOptions = {},
): (event: unknown, context?: InvocationContext) => Promise<TargetOutcome> {
  const logger = new Logger({ serviceName: 'fileflow-transfer' });
  const deps = pipelineDepsFromEnvironment(process.env);
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

/** A signal that stops the copy `cleanUpMs` before the invocation's end (never, without a context). */
function stopBeforeTimeout(
  context: InvocationContext | undefined,
  cleanUpMs: number,
): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  if (typeof context?.getRemainingTimeInMillis !== 'function') return { signal: controller.signal, clear: () => {} };
  const seconds = Math.round(cleanUpMs / 1000);
  const timer = setTimeout(
    () => controller.abort(new TimeoutError(`stopped ${seconds} s before the function's timeout, to clean up`)),
    Math.max(0, context.getRemainingTimeInMillis() - cleanUpMs),
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
