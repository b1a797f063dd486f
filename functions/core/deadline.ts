/**
 * A Lambda invocation's deadline as an AbortSignal: work still running shortly before the
 * function's timeout is stopped, so that it cleans up after itself (a temporary file on a
 * partner's server, a multipart upload) instead of being killed with them left behind.
 */
import { TimeoutError } from './errors';

/** What is read of Lambda's invocation context. */
export interface InvocationContext {
  /** Milliseconds left before Lambda ends the invocation. */
  getRemainingTimeInMillis(): number;
}

/** Time kept before the function's timeout to stop and clean up. */
const CLEAN_UP_MS = 15_000;

/** A signal stopping work 15 s before the invocation ends; it never fires without a context. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Cancels the timer; call it once the work is done. */
  clear(): void;
}

/**
 * Fires 15 s before the end of the invocation (already fired when less is left), its reason a
 * transient {@link TimeoutError}. Without a context (the local runtime, specs) it never fires.
 */
export function stopBeforeTimeout(context: InvocationContext | undefined): Deadline {
  const controller = new AbortController();
  if (typeof context?.getRemainingTimeInMillis !== 'function') return { signal: controller.signal, clear: () => {} };
  const seconds = Math.round(CLEAN_UP_MS / 1000);
  const stop = () =>
    controller.abort(new TimeoutError(`stopped ${seconds} s before the function's timeout, to clean up`));
  const left = context.getRemainingTimeInMillis() - CLEAN_UP_MS;
  // With no time left the work does not start at all.
  if (left <= 0) stop();
  const timer = left > 0 ? setTimeout(stop, left) : undefined;
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
