import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type HeadObjectCommandOutput,
  type S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import type { Endpoint, ListEntry, ObjectStat, OpenRead, WriteOptions } from '../endpoint';
import { atLocation, ChecksumMismatchError, classifyError } from '../errors';
import type { S3Location } from '../locations';
import { assertSafePath } from '../paths';
import { Sha256Meter, sha256OfStream } from '../sha256-meter';
import { uploadMultipart } from './multipart-upload';
import {
  copyObjectServerSide,
  fullObjectSha256,
  type ObjectAttributes,
  type ServerSideCopyOptions,
} from './server-side-copy';

/** Where fileflow records an object's SHA-256 (hex): user metadata `x-amz-meta-sha256`. */
export const SHA256_METADATA_KEY = 'sha256';
/**
 * 5 MiB parts (S3's minimum) × 2 in flight: a fixed 15 MiB of part buffers
 * whatever the object size. 8 MiB parts were no faster on the local server and
 * cost 15 MiB more. 4 in flight (rclone's and lib-storage's default) were no
 * faster either (1 GiB SFTP→S3: 113–133 MiB/s against 118–132), and cost
 * 30–40 MiB more peak RSS and up to twice the CPU; two parts of 5 MiB carry
 * more than an SFTP source sends.
 */
const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;
const MAX_PARTS = 10_000;

/** What a server-side copy reports. */
export interface ServerSideCopyResult {
  readonly bytes: number;
  readonly sha256: string;
}

/** An S3 object, written multipart from a fixed buffer pool and its SHA-256 recorded in metadata. */
export class S3Endpoint implements Endpoint {
  readonly uri: string;

  constructor(
    readonly location: S3Location,
    readonly client: S3Client,
  ) {
    assertSafePath(location.key);
    this.uri = `s3://${location.bucket}/${location.key}`;
  }

  async stat(): Promise<ObjectStat> {
    return statOf(await this.head());
  }

  async openRead(): Promise<OpenRead> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: this.location.key }),
      );
      return { stat: statOf(object), body: object.Body as Readable };
    } catch (error) {
      throw atLocation(error, this.uri);
    }
  }

  /**
   * Uploads from a fixed pool of part buffers (bounded memory; a failed
   * multipart upload is aborted) and records the SHA-256, which is only known at the end of the
   * stream while metadata must be sent up-front:
   * - an object that fits in one part is buffered anyway, so it goes as one
   *   PutObject whose metadata already holds the hash — no extra request;
   * - a larger one is uploaded multipart, then given its metadata by a
   *   server-side CopyObject onto itself (REPLACE). No byte crosses the
   *   network twice and the source is read once; the alternative, hashing the
   *   source in a first pass, would double the reads.
   * Tags follow with PutObjectTagging.
   */
  async writeAtomically(body: Readable, options: WriteOptions = {}): Promise<void> {
    let stream = body;
    let sha256 = options.sha256;
    if (!sha256) {
      const meter = new Sha256Meter();
      pipeline(body, meter).catch(() => undefined);
      stream = meter;
      sha256 = () => meter.digest();
    }
    const { bucket: Bucket, key: Key } = this.location;
    try {
      const partBytes = Math.max(PART_BYTES, Math.ceil((options.size ?? 0) / MAX_PARTS));
      const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const head: Buffer[] = [];
      let headBytes = 0;
      let ended = false;
      while (headBytes < partBytes) {
        const next = await chunks.next();
        if (next.done) {
          ended = true;
          break;
        }
        head.push(next.value);
        headBytes += next.value.length;
      }
      if (ended) {
        await this.client.send(
          new PutObjectCommand({
            Bucket,
            Key,
            Body: Buffer.concat(head, headBytes),
            ContentLength: headBytes,
            ...this.attributes(sha256()),
          }),
        );
      } else {
        const rest = (async function* () {
          yield* head;
          head.length = 0;
          for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
        })();
        const total = await uploadMultipart(this.client, rest, {
          bucket: Bucket,
          key: Key,
          attributes: this.attributes(undefined),
          partBytes,
          partsInFlight: PARTS_IN_FLIGHT,
          recycle: options.recycle,
        });
        await copyObjectServerSide(this.client, {
          from: this.location,
          to: this.location,
          size: total,
          attributes: this.attributes(sha256()),
        });
      }
      await this.applyTags();
    } catch (error) {
      // A body that failed is the source's failure (a read, or its SHA-256 or length checked on
      // the way): left for the caller, which knows the source, to locate.
      const fromBody = body.errored !== null || stream.errored !== null;
      stream.destroy();
      throw fromBody ? classifyError(error) : atLocation(error, this.uri);
    }
  }

  async list(): Promise<ListEntry[]> {
    const entries: ListEntry[] = [];
    try {
      let ContinuationToken: string | undefined;
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.location.key, ContinuationToken }),
        );
        for (const object of page.Contents ?? []) {
          entries.push({ name: object.Key!, size: object.Size ?? 0, mtime: object.LastModified ?? new Date(0) });
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    } catch (error) {
      throw atLocation(error, this.uri);
    }
    return entries;
  }

  async delete(): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.location.key }));
    } catch (error) {
      throw atLocation(error, this.uri);
    }
  }

  /** Server-side copy to the new key in the same bucket, then delete: S3 has no rename. */
  async move(to: string): Promise<S3Endpoint> {
    const target = new S3Endpoint({ ...this.location, key: to }, this.client);
    await target.copyObjectFrom(this);
    await this.delete();
    return target;
  }

  /**
   * Copies `source` into this location inside S3; no byte of it passes
   * through this process unless its SHA-256 is unknown. The SHA-256 comes
   * from the source's `sha256` metadata when fileflow wrote it, or from the
   * SHA-256 checksum S3 keeps of the whole object; otherwise S3 computes it
   * during the copy where it can (a single CopyObject), and only failing that
   * (a multipart copy, a server without checksums) one streamed read of the
   * copy hashes it. Asking first spares AWS a read of every byte that the
   * answer makes useless. The copy then gets the SHA-256 in its metadata in
   * place. An expected SHA-256 is checked before anything is written: against
   * S3's checksum when the source has one, else by a read. Content headers and
   * metadata are kept (the COPY directive when this location changes none of
   * them); this location's KMS key, storage class, metadata and tags are
   * applied.
   */
  async copyObjectFrom(
    source: S3Endpoint,
    options: {
      readonly onProgress?: (bytes: number) => void;
      readonly expectedSha256?: string;
    } & ServerSideCopyOptions = {},
  ): Promise<ServerSideCopyResult> {
    try {
      const head = await source.head(true);
      options.abortSignal?.throwIfAborted();
      const size = head.ContentLength ?? 0;
      const recorded = recordedSha256(head);
      // S3 checked its own checksum against the bytes; fileflow's metadata is only a claim.
      const checked = fullObjectSha256(head.ChecksumSHA256, head.ChecksumType);
      const attributes = (sha256: string | undefined): ObjectAttributes => ({
        ContentEncoding: head.ContentEncoding,
        ContentDisposition: head.ContentDisposition,
        ContentLanguage: head.ContentLanguage,
        CacheControl: head.CacheControl,
        ...this.attributes(sha256, head),
      });
      const changesHeaders = this.location.metadata !== undefined || this.location.contentType !== undefined;
      const copyFrom = (from: S3Location, sha256: string | undefined, extra: object = {}) =>
        copyObjectServerSide(
          this.client,
          { from, to: this.location, size, attributes: attributes(sha256), ...extra },
          options,
        );

      const expected = options.expectedSha256;
      if (expected !== undefined && checked !== undefined && checked !== expected) {
        throw atLocation(
          new ChecksumMismatchError(`SHA-256 ${checked} differs from the expected ${expected}`),
          source.uri,
        );
      }
      let sha256 =
        expected !== undefined ? (checked ?? (await source.hashContent(size, expected))) : (checked ?? recorded);
      if (sha256 !== undefined) {
        // Kept metadata holds it only when it is the source's recorded one.
        await copyFrom(source.location, sha256, { keepSourceMetadata: !changesHeaders && recorded === sha256 });
      } else {
        const copied = await copyFrom(source.location, undefined, {
          keepSourceMetadata: !changesHeaders,
          computeSha256: true,
        });
        sha256 = copied.sha256 ?? (await this.hashContent(size));
        await copyFrom(this.location, sha256);
      }
      await this.applyTags();
      options.onProgress?.(size);
      return { bytes: size, sha256 };
    } catch (error) {
      throw atLocation(error, this.uri);
    }
  }

  /** Hex SHA-256 of this object's bytes, read once; fails on a size or hash other than expected. */
  private async hashContent(size: number, expectedSha256?: string): Promise<string> {
    try {
      return await sha256OfStream((await this.openRead()).body, { expectedBytes: size, expectedSha256 });
    } catch (error) {
      throw atLocation(error, this.uri);
    }
  }

  /**
   * HeadObject; with `checksums`, S3 also answers the object's checksums. Only the copy
   * inside S3 asks: on a KMS-encrypted object that takes kms:Decrypt, which a role that
   * only checks for an object (the harness's PollTarget) is not given.
   */
  private async head(checksums = false): Promise<HeadObjectCommandOutput> {
    try {
      return await this.client.send(
        new HeadObjectCommand({
          Bucket: this.location.bucket,
          Key: this.location.key,
          ...(checksums ? { ChecksumMode: 'ENABLED' as const } : {}),
        }),
      );
    } catch (error) {
      throw atLocation(error, this.uri);
    }
  }

  /** Write-time attributes of this location; a copied object's own metadata and content type come from `source`. */
  private attributes(sha256: string | undefined, source?: HeadObjectCommandOutput): ObjectAttributes {
    const { kmsKeyId, storageClass, contentType, metadata } = this.location;
    return {
      ContentType: contentType ?? source?.ContentType,
      Metadata: { ...source?.Metadata, ...metadata, ...(sha256 ? { [SHA256_METADATA_KEY]: sha256 } : {}) },
      ...(storageClass ? { StorageClass: storageClass as StorageClass } : {}),
      ...(kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: kmsKeyId } : {}),
    };
  }

  private async applyTags(): Promise<void> {
    const tags = this.location.tags;
    if (!tags || Object.keys(tags).length === 0) return;
    await this.client.send(
      new PutObjectTaggingCommand({
        Bucket: this.location.bucket,
        Key: this.location.key,
        Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      }),
    );
  }
}

/** What a HeadObject or GetObject answer says about the object. */
function statOf(object: ObjectHeaders): ObjectStat {
  const sha256 = knownSha256(object);
  return {
    size: object.ContentLength ?? 0,
    mtime: object.LastModified ?? new Date(0),
    ...(sha256 !== undefined ? { sha256 } : {}),
  };
}

type ObjectHeaders = Pick<
  HeadObjectCommandOutput,
  'ContentLength' | 'LastModified' | 'Metadata' | 'ChecksumSHA256' | 'ChecksumType'
>;

/**
 * The object's hex SHA-256: the whole-object SHA-256 checksum S3 keeps (it
 * checked it against the bytes; HeadObject answers it when asked), else the
 * one fileflow recorded in its metadata.
 */
function knownSha256(head: ObjectHeaders): string | undefined {
  return fullObjectSha256(head.ChecksumSHA256, head.ChecksumType) ?? recordedSha256(head);
}

/** The hex SHA-256 fileflow recorded in an object's metadata, if it is one. */
function recordedSha256(head: ObjectHeaders): string | undefined {
  const sha256 = head.Metadata?.[SHA256_METADATA_KEY];
  return sha256 !== undefined && /^[0-9a-f]{64}$/.test(sha256) ? sha256 : undefined;
}
