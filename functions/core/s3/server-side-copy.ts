import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
  type ServerSideEncryption,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { classifyError } from '../errors';

/** CopyObject's limit; larger objects must be copied part by part. */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
const MAX_PARTS = 10_000;

/** What a written or copied object carries: content headers, user metadata, storage class and encryption. */
export interface ObjectAttributes {
  readonly ContentType?: string;
  readonly ContentEncoding?: string;
  readonly ContentDisposition?: string;
  readonly ContentLanguage?: string;
  readonly CacheControl?: string;
  readonly Metadata: Record<string, string>;
  readonly StorageClass?: StorageClass;
  readonly ServerSideEncryption?: ServerSideEncryption;
  readonly SSEKMSKeyId?: string;
}

/** One server-side copy: nothing passes through this process. */
export interface ServerSideCopyRequest {
  readonly from: { readonly bucket: string; readonly key: string };
  readonly to: { readonly bucket: string; readonly key: string };
  readonly size: number;
  /** Everything the copy must carry. Storage class and encryption always apply; see `keepSourceMetadata` for the rest. */
  readonly attributes: ObjectAttributes;
  /**
   * The copy keeps the source's content headers and metadata as they are
   * (CopyObject's COPY directive) instead of sending those of `attributes`.
   * A multipart copy has no such directive and always sends `attributes`,
   * which is why they must hold the source's own headers too.
   * @default false
   */
  readonly keepSourceMetadata?: boolean;
  /** Ask S3 to compute the copy's SHA-256 (a single CopyObject only; servers that ignore it return none). @default false */
  readonly computeSha256?: boolean;
}

/** What a server-side copy reports. */
export interface ServerSideCopyOutcome {
  /** Hex SHA-256 of the whole object, when S3 computed one. */
  readonly sha256?: string;
}

/** Tuning of multipart copies; the defaults suit AWS. */
export interface ServerSideCopyOptions {
  /** Above this, UploadPartCopy instead of CopyObject. @default 5 GiB */
  readonly singleCopyLimit?: number;
  /** Bytes per UploadPartCopy (grown so the copy needs at most 10,000 parts). @default 512 MiB */
  readonly partBytes?: number;
  /** UploadPartCopy requests in parallel. @default 8 */
  readonly concurrency?: number;
  /** Stops the copy's requests; a multipart copy's upload is then aborted. @default none */
  readonly abortSignal?: AbortSignal;
}

/**
 * Copies an object inside S3, its metadata REPLACEd by `attributes` (which
 * is also how an object gets new metadata in place) unless the source's are
 * kept: CopyObject up to 5 GiB, UploadPartCopy in parallel above, aborting
 * the upload on failure. Tags are not handled here: callers apply them with
 * PutObjectTagging after.
 */
export async function copyObjectServerSide(
  client: S3Client,
  request: ServerSideCopyRequest,
  options: ServerSideCopyOptions = {},
): Promise<ServerSideCopyOutcome> {
  const { from, to, size, attributes } = request;
  const copySource = encodeCopySource(from.bucket, from.key);
  const sending = { abortSignal: options.abortSignal };
  if (size <= (options.singleCopyLimit ?? MAX_SINGLE_COPY_BYTES)) {
    const { StorageClass, ServerSideEncryption, SSEKMSKeyId } = attributes;
    const { CopyObjectResult } = await client.send(
      new CopyObjectCommand({
        Bucket: to.bucket,
        Key: to.key,
        CopySource: copySource,
        // COPY also spares the local S3 server a re-read: it keeps the source's stored MD5 along with its metadata.
        ...(request.keepSourceMetadata
          ? { MetadataDirective: 'COPY', StorageClass, ServerSideEncryption, SSEKMSKeyId }
          : { MetadataDirective: 'REPLACE', ...attributes }),
        ...(request.computeSha256 ? { ChecksumAlgorithm: 'SHA256' } : {}),
      }),
      sending,
    );
    return { sha256: fullObjectSha256(CopyObjectResult?.ChecksumSHA256, CopyObjectResult?.ChecksumType) };
  }
  const partBytes = Math.max(options.partBytes ?? 512 * 1024 ** 2, Math.ceil(size / MAX_PARTS));
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, ...attributes }),
    sending,
  );
  try {
    const partCount = Math.ceil(size / partBytes);
    const parts: CompletedPart[] = new Array(partCount);
    let nextPart = 0;
    const worker = async (): Promise<void> => {
      for (let index = nextPart++; index < partCount; index = nextPart++) {
        const first = index * partBytes;
        const last = Math.min(size, first + partBytes) - 1;
        const { CopyPartResult } = await client.send(
          new UploadPartCopyCommand({
            Bucket: to.bucket,
            Key: to.key,
            UploadId,
            PartNumber: index + 1,
            CopySource: copySource,
            CopySourceRange: `bytes=${first}-${last}`,
          }),
          sending,
        );
        parts[index] = { PartNumber: index + 1, ETag: CopyPartResult?.ETag };
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, partCount) }, worker));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: to.bucket,
        Key: to.key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
      sending,
    );
    return {};
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId }))
      .catch(() => undefined);
    throw classifyError(error);
  }
}

/** S3's base64 SHA-256 as hex, if it covers the whole object (a multipart composite one does not). */
export function fullObjectSha256(checksum: string | undefined, type: string | undefined): string | undefined {
  if (!checksum || type === 'COMPOSITE' || !/^[A-Za-z0-9+/]{43}=$/.test(checksum)) return undefined;
  return Buffer.from(checksum, 'base64').toString('hex');
}

/** `x-amz-copy-source` is `bucket/key` with the key URL-encoded, slashes kept. */
function encodeCopySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
