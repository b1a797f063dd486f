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

/** Headers an object keeps through a copy; sent explicitly because fileflow always REPLACEs metadata. */
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
  readonly attributes: ObjectAttributes;
}

/** Tuning of multipart copies; the defaults suit AWS. */
export interface ServerSideCopyOptions {
  /** Above this, UploadPartCopy instead of CopyObject. @default 5 GiB */
  readonly singleCopyLimit?: number;
  /** Bytes per UploadPartCopy (grown so the copy needs at most 10,000 parts). @default 512 MiB */
  readonly partBytes?: number;
  /** UploadPartCopy requests in parallel. @default 8 */
  readonly concurrency?: number;
}

/**
 * Copies an object inside S3 with its metadata REPLACEd by `attributes`
 * (which is also how an object gets new metadata in place): CopyObject up to
 * 5 GiB, UploadPartCopy in parallel above, aborting the upload on failure.
 * Tags are not handled here: callers apply them with PutObjectTagging after.
 */
export async function copyObjectServerSide(
  client: S3Client,
  request: ServerSideCopyRequest,
  options: ServerSideCopyOptions = {},
): Promise<void> {
  const { from, to, size, attributes } = request;
  const copySource = encodeCopySource(from.bucket, from.key);
  if (size <= (options.singleCopyLimit ?? MAX_SINGLE_COPY_BYTES)) {
    await client.send(
      new CopyObjectCommand({
        Bucket: to.bucket,
        Key: to.key,
        CopySource: copySource,
        MetadataDirective: 'REPLACE',
        ...attributes,
      }),
    );
    return;
  }
  const partBytes = Math.max(options.partBytes ?? 512 * 1024 ** 2, Math.ceil(size / MAX_PARTS));
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, ...attributes }),
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
    );
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId }))
      .catch(() => undefined);
    throw classifyError(error);
  }
}

/** `x-amz-copy-source` is `bucket/key` with the key URL-encoded, slashes kept. */
function encodeCopySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
