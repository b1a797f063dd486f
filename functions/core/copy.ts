import { pipeline } from 'node:stream/promises';
import type { Endpoint, OpenRead } from './endpoint';
import { atLocation, classifyError } from './errors';
import { S3Endpoint } from './s3/s3-endpoint';
import { Sha256Meter } from './sha256-meter';

/** Options of one transfer. */
export interface CopyOptions {
  /** Hex SHA-256 the source must have; otherwise the one recorded in the source's metadata, if any. @default none */
  readonly expectedSha256?: string;
  /** Called with the bytes moved so far and the total, as the transfer goes. @default none */
  readonly onProgress?: (bytes: number, total: number) => void;
  /**
   * Stops the transfer: the source is no longer read and the target cleans up as after any
   * failure (its temporary file removed, its multipart upload aborted); the copy then fails,
   * its cause the signal's reason. A copy inside S3 stops its requests: S3 then holds the
   * whole copy or none of it. @default none
   */
  readonly signal?: AbortSignal;
}

/** What one transfer did. */
export interface CopyResult {
  readonly bytes: number;
  /** Hex SHA-256 of the bytes transferred. */
  readonly sha256: string;
  readonly seconds: number;
  readonly source: string;
  readonly target: string;
}

/**
 * Copies one file from `source` to `target` in a single streaming pass
 * (read → SHA-256 → atomic write), memory flat whatever the size. Between two
 * S3 locations on the same client the copy stays inside S3. Failures are
 * {@link TransferError}s whose message starts with the location that failed; the target's
 * final name never holds partial data.
 */
export async function copy(source: Endpoint, target: Endpoint, options: CopyOptions = {}): Promise<CopyResult> {
  const started = performance.now();
  const finish = (bytes: number, sha256: string): CopyResult => ({
    bytes,
    sha256,
    seconds: (performance.now() - started) / 1000,
    source: source.uri,
    target: target.uri,
  });

  if (source instanceof S3Endpoint && target instanceof S3Endpoint && source.client === target.client) {
    const { bytes, sha256 } = await target.copyObjectFrom(source, {
      expectedSha256: options.expectedSha256,
      abortSignal: options.signal,
      onProgress: options.onProgress && ((bytes) => options.onProgress!(bytes, bytes)),
    });
    return finish(bytes, sha256);
  }

  const { signal } = options;
  let stop: (() => void) | undefined;
  try {
    signal?.throwIfAborted();
    // The source opens while the target's handshake runs, not after it: its first bytes wait
    // in the socket, and its stat comes with the open.
    const { stat, body: input, recycle } = await openBoth(source, target);
    if (signal) {
      stop = () => input.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      signal.addEventListener('abort', stop, { once: true });
      if (signal.aborted) stop();
    }
    const meter = new Sha256Meter({
      expectedBytes: stat.size,
      expectedSha256: options.expectedSha256 ?? stat.sha256,
      onProgress: options.onProgress && ((bytes) => options.onProgress!(bytes, stat.size)),
    });
    const reading = pipeline(input, meter);
    // Awaited below; until then a failed read surfaces through the writer, not as an unhandled rejection.
    reading.catch(() => undefined);
    try {
      // The meter passes the source's chunks on as they are: the target can hand them back.
      await target.writeAtomically(meter, { size: stat.size, sha256: () => meter.digest(), recycle });
    } catch (error) {
      input.destroy();
      meter.destroy();
      await reading.catch(() => undefined);
      // The target names itself in what failed on its side; the rest failed reading the source,
      // unless the copy was stopped, which is no location's failure.
      throw signal?.aborted ? classifyError(error) : atLocation(error, source.uri);
    }
    await reading;
    return finish(meter.bytes, meter.digest());
  } catch (error) {
    throw classifyError(error);
  } finally {
    if (stop) signal?.removeEventListener('abort', stop);
  }
}

/** Opens `source` and connects `target` together; if either fails, neither is left open. The source's error wins. */
async function openBoth(source: Endpoint, target: Endpoint): Promise<OpenRead> {
  const [opened, connected] = await Promise.allSettled([source.openRead(), target.connect?.()]);
  if (opened.status === 'rejected') throw opened.reason;
  if (connected.status === 'rejected') {
    opened.value.body.destroy();
    throw connected.reason;
  }
  return opened.value;
}
