import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChecksumMismatchError, ConnectionLostError } from './errors';

/** What a {@link Sha256Meter} checks when its input ends. */
export interface Sha256MeterOptions {
  /** Hex SHA-256 the bytes must have; a mismatch fails the stream before its end reaches the writer. @default not checked */
  readonly expectedSha256?: string;
  /** Exact byte count the source announced; fewer or more bytes fail the stream. @default not checked */
  readonly expectedBytes?: number;
  /** Called with the running byte count as bytes pass. @default none */
  readonly onProgress?: (bytes: number) => void;
}

/**
 * Pass-through stream that hashes and counts what flows through it. Checks run
 * in `flush`, i.e. before the writer sees the end of the stream, so a bad
 * transfer is aborted instead of committed.
 */
export class Sha256Meter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private hex: string | undefined;
  /** Bytes seen so far. */
  bytes = 0;

  constructor(private readonly options: Sha256MeterOptions = {}) {
    super();
  }

  /** Hex SHA-256 of every byte seen; only once the input has ended. */
  digest(): string {
    if (this.hex === undefined) throw new Error('SHA-256 asked for before the stream ended');
    return this.hex;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.options.onProgress?.(this.bytes);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.hex = this.hash.digest('hex');
    const { expectedBytes, expectedSha256 } = this.options;
    if (expectedBytes !== undefined && this.bytes !== expectedBytes) {
      callback(new ConnectionLostError(`source ended after ${this.bytes} of ${expectedBytes} bytes`));
      return;
    }
    if (expectedSha256 !== undefined && expectedSha256 !== this.hex) {
      callback(new ChecksumMismatchError(`SHA-256 ${this.hex} differs from the expected ${expectedSha256}`));
      return;
    }
    callback();
  }
}

/**
 * Reads `body` to its end and returns the hex SHA-256 of its bytes; fails as a
 * {@link Sha256Meter} does on a count or hash other than `expected`.
 */
export async function sha256OfStream(body: Readable, expected: Sha256MeterOptions = {}): Promise<string> {
  const meter = new Sha256Meter(expected);
  await pipeline(body, meter, async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) void chunk;
  });
  return meter.digest();
}
