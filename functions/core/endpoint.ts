import type { Readable } from 'node:stream';

/** What `stat` knows about a file or object. */
export interface ObjectStat {
  readonly size: number;
  readonly mtime: Date;
  /**
   * Hex SHA-256 of the bytes when known without reading them: S3's whole-object SHA-256
   * checksum when the answer carries it, else the one fileflow recorded when it wrote the
   * object (S3 `sha256` metadata); absent when unknown.
   */
  readonly sha256?: string;
}

/** One file or object found by `list`. */
export interface ListEntry {
  /** Path (SFTP, relative to the base directory) or key (S3), usable as a location's `path`/`key`. */
  readonly name: string;
  readonly size: number;
  readonly mtime: Date;
}

/** A read in progress: the content, and what the storage said about it when it was opened. */
export interface OpenRead {
  readonly stat: ObjectStat;
  readonly body: Readable;
  /**
   * Takes back a chunk of `body` once nothing needs its bytes any more, to read the next ones
   * into it instead of into a new buffer (see {@link WriteOptions.recycle}). @default none
   */
  readonly recycle?: (chunk: Buffer) => void;
}

/** What the engine tells a target about the stream it writes. */
export interface WriteOptions {
  /** Exact byte count, when the source announced one; sizes multipart parts. @default unknown */
  readonly size?: number;
  /** Hex SHA-256 of the stream, callable once it has ended; endpoints that record it hash on their own without it. @default hashed by the endpoint */
  readonly sha256?: () => string;
  /**
   * Called with each chunk of the stream once the target has sent or copied its bytes and keeps
   * no reference to it: the source's {@link OpenRead.recycle}. @default none
   */
  readonly recycle?: (chunk: Buffer) => void;
}

/**
 * A file on one kind of storage (S3 object, SFTP file). Every copy direction is
 * `source.openRead() → SHA-256 → target.writeAtomically()`.
 */
export interface Endpoint {
  /** `s3://bucket/key` or `sftp://user@host:port/path`, for results and messages. */
  readonly uri: string;
  stat(): Promise<ObjectStat>;
  /**
   * Opens the whole content as a stream. The stat comes with it, from the same request
   * (S3 GetObject's headers; SFTP fstat of the open handle): a copy needs no separate stat.
   */
  openRead(): Promise<OpenRead>;
  /** Writes the stream so the final name holds either the old content or all of the new, never a part. */
  writeAtomically(body: Readable, options?: WriteOptions): Promise<void>;
  /** Files directly in the directory (SFTP) or under the key prefix (S3) this location names. */
  list(): Promise<ListEntry[]>;
  delete(): Promise<void>;
  /** Renames within the same server or bucket; returns the endpoint at the new place. */
  move(to: string): Promise<Endpoint>;
  /** Opens what a transfer will need (an SSH connection), so its handshake overlaps the other side's work. @default nothing to open */
  connect?(): Promise<void>;
}
