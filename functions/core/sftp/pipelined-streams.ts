import { Readable, Writable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';
import { classifyError, ConnectionLostError } from '../errors';

/**
 * Largest request asked for: what OpenSSH's sftp-server takes (its
 * limits@openssh.com answer is 255 KiB). Against 64 KiB requests it measured
 * ~10% less CPU per byte on loopback: a quarter of the SFTP packets and callbacks.
 */
const MAX_REQUEST_BYTES = 255 * 1024;
/**
 * Bytes requested and not yet answered. One request at a time is bound by the
 * round trip; 2 MiB in flight keeps the SSH window full on loopback and LAN
 * while keeping memory flat.
 */
const BYTES_IN_FLIGHT = 2 * 1024 * 1024;
/** What a request was sized to before servers announced limits. */
const FALLBACK_REQUEST_BYTES = 64 * 1024;

/** Sizes of the pipelines; the defaults are what was measured best. */
export interface PipelineOptions {
  /** @default the server's limit for the direction, at most 255 KiB */
  readonly chunkBytes?: number;
  /** @default as many as keep 2 MiB in flight */
  readonly requestsInFlight?: number;
}

/** Options of a {@link SftpPipelinedWriter}. */
export interface PipelinedWriterOptions extends PipelineOptions {
  /** Given each incoming chunk once its bytes are sent or copied (the source's `recycle`). @default none */
  readonly recycle?: (chunk: Buffer) => void;
}

/**
 * Request sizes for one direction on one SFTP session: as large as the server
 * takes, as many as fill {@link BYTES_IN_FLIGHT}. ssh2 learns the limits (from
 * limits@openssh.com, else its defaults: ~255 KiB for OpenSSH, ~32 KiB for
 * other servers) but keeps them in private fields; larger requests would be
 * split by ssh2 into sequential ones and lose the pipelining.
 */
function pipelineSizing(
  sftp: SFTPWrapper,
  direction: 'read' | 'write',
): Required<PipelineOptions> & { readonly limitBytes: number | undefined } {
  const limits = sftp as unknown as { _maxReadLen?: unknown; _maxWriteLen?: unknown };
  const limit = direction === 'read' ? limits._maxReadLen : limits._maxWriteLen;
  const known = typeof limit === 'number' && limit > 0;
  const chunkBytes = known ? Math.min(limit, MAX_REQUEST_BYTES) : FALLBACK_REQUEST_BYTES;
  return {
    chunkBytes,
    requestsInFlight: Math.max(1, Math.round(BYTES_IN_FLIGHT / chunkBytes)),
    limitBytes: known ? limit : undefined,
  };
}

/**
 * Reads an open SFTP file with many concurrent READ requests by offset and
 * emits the chunks in order. ssh2's createReadStream issues one request at a
 * time; this keeps `requestsInFlight` outstanding (like fastGet) while still
 * being a stream, so the bytes can be hashed and written on the fly.
 *
 * A target that hands chunks back ({@link SftpPipelinedReader.recycle}) gets
 * its next chunks in the same few buffers. A new 255 KiB buffer per request
 * lives from the request until the target has sent it, long enough that many
 * survive two young-generation collections; promoted, their memory comes back
 * only with a full collection, and V8 then ran dozens of them per copy
 * (49–106 on a 1 GiB SFTP → SFTP copy, 1 with the buffers reused).
 */
export class SftpPipelinedReader extends Readable {
  private readonly chunkBytes: number;
  private readonly requestsInFlight: number;
  private nextRequestOffset = 0;
  private nextPushOffset = 0;
  private pending = 0;
  private readonly ready = new Map<number, Buffer>();
  private wanted = false;
  /** Full-size chunks handed downstream and not yet given back through {@link recycle}. */
  private readonly lent = new WeakSet<Buffer>();
  /** Chunks given back, refilled by the next requests instead of new allocations. */
  private readonly spare: Buffer[] = [];

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly handle: Buffer,
    private readonly size: number,
    private readonly onClosed: () => void,
    options: PipelineOptions = {},
  ) {
    super({ highWaterMark: 0 });
    const sizing = pipelineSizing(sftp, 'read');
    this.chunkBytes = options.chunkBytes ?? sizing.chunkBytes;
    this.requestsInFlight = options.requestsInFlight ?? sizing.requestsInFlight;
  }

  override _read(): void {
    this.wanted = true;
    this.pump();
  }

  /**
   * Takes back a chunk this stream emitted, once its last consumer has copied
   * or sent its bytes: the next request reads into it instead of into a new
   * buffer. Anything else (a chunk not from here, a second return of the same
   * chunk) is ignored.
   */
  recycle(chunk: Buffer): void {
    if (!this.lent.delete(chunk) || this.destroyed || this.spare.length >= this.requestsInFlight) return;
    this.spare.push(chunk);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Fire and forget: on a dead connection the CLOSE would never be answered.
    try {
      this.sftp.close(this.handle, () => undefined);
    } catch {
      // the channel is already gone, and the handle with it
    }
    this.onClosed();
    callback(error);
  }

  private pump(): void {
    while (this.wanted && this.ready.has(this.nextPushOffset)) {
      const chunk = this.ready.get(this.nextPushOffset)!;
      this.ready.delete(this.nextPushOffset);
      this.nextPushOffset += chunk.length;
      if (chunk.length === this.chunkBytes) this.lent.add(chunk);
      this.wanted = this.push(chunk);
    }
    if (this.nextPushOffset >= this.size && this.pending === 0) {
      this.push(null);
      return;
    }
    while (this.nextRequestOffset < this.size && this.pending + this.ready.size < this.requestsInFlight) {
      const length = Math.min(this.chunkBytes, this.size - this.nextRequestOffset);
      this.request(this.nextRequestOffset, length);
      this.nextRequestOffset += length;
    }
  }

  private request(offset: number, length: number): void {
    this.pending += 1;
    const buffer = (length === this.chunkBytes && this.spare.pop()) || Buffer.allocUnsafe(length);
    const fill = (filled: number): void => {
      this.sftp.read(this.handle, buffer, filled, length - filled, offset + filled, (error, bytesRead) => {
        if (this.destroyed) return;
        if (error) return void this.destroy(classifyError(error));
        if (bytesRead === 0) {
          return void this.destroy(
            new ConnectionLostError(`source file shrank below ${this.size} bytes while being read`),
          );
        }
        // Servers may answer with fewer bytes than asked; ask for the rest.
        if (filled + bytesRead < length) return fill(filled + bytesRead);
        this.pending -= 1;
        this.ready.set(offset, buffer);
        this.pump();
      });
    };
    try {
      fill(0);
    } catch (error) {
      this.destroy(classifyError(error));
    }
  }
}

/**
 * Writes to an open SFTP file with many concurrent WRITE requests by offset.
 * Small incoming chunks (HTTP bodies arrive in ~16–64 KiB pieces) are gathered
 * into `chunkBytes` requests; a write callback is held back only when
 * `requestsInFlight` are outstanding, which bounds memory.
 *
 * Chunks are gathered in one request buffer, reused for every request: ssh2
 * copies a WRITE's data into its packet before `write` returns (for requests
 * within the server's limit, which `chunkBytes` is held to), so the buffer is
 * free again at once. Allocating a fresh 255 KiB buffer per request instead
 * (Buffer.concat) is 4,096 allocations per GiB outside V8's heap, each one
 * pushing the garbage collector.
 */
export class SftpPipelinedWriter extends Writable {
  private readonly chunkBytes: number;
  private readonly requestsInFlight: number;
  private position = 0;
  private pending = 0;
  private failure: Error | undefined;
  private gathered: Buffer | undefined;
  private gatheredBytes = 0;
  /** False when ssh2's request limit is unknown: a request it splits is read again later. */
  private readonly reusable: boolean;
  private blocked: ((error?: Error | null) => void) | undefined;
  private finishing: ((error?: Error | null) => void) | undefined;
  private readonly recycle: ((chunk: Buffer) => void) | undefined;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly handle: Buffer,
    options: PipelinedWriterOptions = {},
  ) {
    super({ highWaterMark: 1024 * 1024 });
    const sizing = pipelineSizing(sftp, 'write');
    // ssh2 splits a larger request and reads its buffer again later: held within the limit.
    this.chunkBytes = Math.min(options.chunkBytes ?? sizing.chunkBytes, sizing.limitBytes ?? Infinity);
    this.reusable = sizing.limitBytes !== undefined;
    this.requestsInFlight = options.requestsInFlight ?? sizing.requestsInFlight;
    // A request ssh2 splits is read again later: its chunk is not free when `_write` returns.
    this.recycle = this.reusable ? options.recycle : undefined;
  }

  /** Bytes handed to the server so far; once the stream has finished, the file's size. */
  get bytesWritten(): number {
    return this.position;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failure) return callback(this.failure);
    let offset = 0;
    // Whole requests straight from the chunk (an SFTP source reads in requests of this size).
    if (this.gatheredBytes === 0) {
      for (; chunk.length - offset >= this.chunkBytes; offset += this.chunkBytes) {
        this.send(chunk.subarray(offset, offset + this.chunkBytes));
      }
    }
    while (offset < chunk.length) {
      this.gathered ??= Buffer.allocUnsafe(this.chunkBytes);
      const copied = chunk.copy(this.gathered, this.gatheredBytes, offset);
      offset += copied;
      this.gatheredBytes += copied;
      if (this.gatheredBytes === this.chunkBytes) {
        this.send(this.gathered);
        this.gatheredBytes = 0;
        if (!this.reusable) this.gathered = undefined;
      }
    }
    this.recycle?.(chunk);
    if (this.pending < this.requestsInFlight) callback();
    else this.blocked = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.gatheredBytes > 0 && !this.failure) this.send(this.gathered!.subarray(0, this.gatheredBytes));
    this.gatheredBytes = 0;
    if (this.pending === 0) callback(this.failure);
    else this.finishing = callback;
  }

  private send(data: Buffer): void {
    const position = this.position;
    this.position += data.length;
    this.pending += 1;
    const done = (error?: Error | null): void => {
      this.pending -= 1;
      if (error && !this.failure) this.failure = classifyError(error);
      this.settle();
    };
    try {
      this.sftp.write(this.handle, data, 0, data.length, position, done);
    } catch (error) {
      done(error as Error);
    }
  }

  private settle(): void {
    if (this.blocked && (this.failure || this.pending < this.requestsInFlight)) {
      const callback = this.blocked;
      this.blocked = undefined;
      callback(this.failure);
    }
    if (this.finishing && this.pending === 0) {
      const callback = this.finishing;
      this.finishing = undefined;
      callback(this.failure);
    }
  }
}
