import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectAttributes } from './server-side-copy';

/** Where a multipart upload goes and how it is cut. */
export interface MultipartUploadRequest {
  readonly bucket: string;
  readonly key: string;
  readonly attributes: ObjectAttributes;
  readonly partBytes: number;
  readonly partsInFlight: number;
}

/**
 * Uploads a stream as one multipart upload and returns its byte count; on any
 * failure the upload is aborted and the failure (not an abort's) is thrown.
 *
 * Incoming chunks are copied into a fixed pool of `partsInFlight + 1` part
 * buffers that are reused once their part is stored. lib-storage instead
 * concatenates each part from the chunks and drops it after upload, so every
 * part is allocated twice and the garbage (~64 MiB of it before V8 collects
 * external memory) made peak RSS 60–90 MiB higher for the same throughput.
 */
export async function uploadMultipart(
  client: S3Client,
  body: AsyncIterable<Buffer>,
  request: MultipartUploadRequest,
): Promise<number> {
  const { bucket: Bucket, key: Key, attributes, partBytes, partsInFlight } = request;
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key, ...attributes }));
  const parts: CompletedPart[] = [];
  const free: Buffer[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let partNumber = 1;

  const send = (buffer: Buffer, length: number): void => {
    const PartNumber = partNumber++;
    const sending: Promise<void> = client
      .send(
        new UploadPartCommand({
          Bucket,
          Key,
          UploadId,
          PartNumber,
          Body: buffer.subarray(0, length),
          ContentLength: length,
        }),
      )
      .then(
        ({ ETag }) => {
          parts.push({ ETag, PartNumber });
          free.push(buffer);
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };
  /** A free part buffer, waiting while `partsInFlight` parts are being stored: this is the back-pressure. */
  const nextBuffer = async (): Promise<Buffer> => {
    while (inFlight.size >= partsInFlight && !failure) await Promise.race(inFlight);
    if (failure) throw failure.error;
    return free.pop() ?? Buffer.allocUnsafe(partBytes);
  };

  try {
    let buffer = await nextBuffer();
    let filled = 0;
    let total = 0;
    for await (const chunk of body) {
      for (let offset = 0; offset < chunk.length;) {
        const copied = chunk.copy(buffer, filled, offset);
        offset += copied;
        filled += copied;
        total += copied;
        if (filled === partBytes) {
          send(buffer, filled);
          buffer = await nextBuffer();
          filled = 0;
        }
      }
    }
    if (filled > 0 || partNumber === 1) send(buffer, filled);
    await Promise.all([...inFlight]);
    if (failure) throw failure.error;
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    return total;
  } catch (error) {
    await Promise.allSettled([...inFlight]);
    // Best effort: the failure that stopped the upload is what the caller must see.
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    throw error;
  }
}
