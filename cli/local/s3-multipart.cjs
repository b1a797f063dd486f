// Multipart uploads for the local S3 server, as S3 does them. s3rver:
// - completed any part list: parts out of order, parts never uploaded (a 500 from a missing
//   file), ETags that were not the parts', parts below S3's 5 MiB minimum;
// - gave the object the MD5 of all its bytes as ETag, reading every byte once more for it
//   (S3's is the MD5 of the parts' MD5s, then `-` and the part count);
// - refused UploadPartCopy (NotImplemented) and AbortMultipartUpload (MethodNotAllowed), so an
//   aborted upload's parts stayed on disk;
// - took parts, completions and aborts for uploads that do not exist, or under another key
//   than the upload's.
// Here CompleteMultipartUpload checks the list as S3 does (InvalidPartOrder, InvalidPart,
// EntityTooSmall, NoSuchUpload), writes the listed parts in a row to a staging file that
// takes the object's name once whole (s3-whole-writes.cjs), and answers S3's ETag;
// UploadPartCopy copies the source's bytes (all of them, or `x-amz-copy-source-range`)
// into the part and answers CopyPartResult; AbortMultipartUpload removes the upload and its
// parts. Every request about an upload must name the upload's key, else NoSuchUpload.
'use strict';
const { AsyncLocalStorage } = require('node:async_hooks');
const { Buffer } = require('node:buffer');
const { createHash } = require('node:crypto');
const { open, readFile, rm, stat } = require('node:fs/promises');
const { join } = require('node:path');
const { Readable } = require('node:stream');
const S3Error = require('s3rver/lib/models/error');
const { copySourceOf, objectOf } = require('./s3-layers.cjs');
const { writeWhole } = require('./s3-whole-writes.cjs');

/** The key a request about an upload names, for the store's calls it makes. @type {AsyncLocalStorage<string>} */
const requestKey = new AsyncLocalStorage();
/** S3's smallest part, the last one excepted. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const COPY_BUFFER_BYTES = 1024 * 1024;

/**
 * Makes a not yet running s3rver's multipart uploads behave as S3's.
 * @param {import('s3rver')} server
 */
function completeMultipartAsS3(server) {
  const store = server.store;
  const uploadDirectory = (bucket, uploadId) => join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  /**
   * The upload's key and metadata; NoSuchUpload when it was never started, is completed or
   * aborted, or belongs to another key than the request's.
   */
  const upload = async (bucket, uploadId) => {
    if (!/^[A-Za-z0-9_-]+$/.test(String(uploadId))) throw noSuchUpload(uploadId);
    const directory = uploadDirectory(bucket, uploadId);
    let found;
    try {
      const [key, metadata] = await Promise.all([
        readFile(join(directory, 'key'), 'utf8'),
        readFile(join(directory, 'metadata'), 'utf8').then(JSON.parse),
      ]);
      found = { directory, key, metadata };
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
      throw noSuchUpload(uploadId);
    }
    const requested = requestKey.getStore();
    if (requested !== undefined && requested !== found.key) throw noSuchUpload(uploadId);
    return found;
  };

  const putPart = store.putPart.bind(store);
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    await upload(bucket, uploadId);
    return putPart(bucket, uploadId, partNumber, content);
  };

  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const { directory, key, metadata } = await upload(bucket, uploadId);
    for (let index = 1; index < parts.length; index += 1) {
      if (parts[index].number <= parts[index - 1].number) {
        throw new S3Error(
          'InvalidPartOrder',
          'The list of parts was not in ascending order. Parts must be ordered by part number.',
          { UploadId: uploadId },
        );
      }
    }
    const stored = await Promise.all(
      parts.map(async ({ number, etag }) => {
        const path = join(directory, String(number));
        const [md5, size] = await Promise.all([
          readFile(`${path}.md5`, 'utf8'),
          stat(path).then((stats) => stats.size),
        ]).catch((error) => {
          if (error.code !== 'ENOENT') throw error;
          return [];
        });
        if (md5 === undefined || md5 !== etag) {
          throw new S3Error(
            'InvalidPart',
            "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
            { UploadId: uploadId, PartNumber: number, ETag: etag },
          );
        }
        return { path, md5, size };
      }),
    );
    stored.slice(0, -1).forEach(({ size }, index) => {
      if (size < MIN_PART_BYTES) {
        throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
          ProposedSize: size,
          MinSizeAllowed: MIN_PART_BYTES,
          PartNumber: parts[index].number,
        });
      }
    });
    const md5 = `${createHash('md5')
      .update(Buffer.concat(stored.map((part) => Buffer.from(part.md5, 'hex'))))
      .digest('hex')}-${stored.length}`;
    await writeWhole(
      store.getResourcePath(bucket, key, 'object'),
      (staging) =>
        concatenate(
          stored.map(({ path }) => path),
          staging,
        ),
      () => store.putMetadata(bucket, key, metadata, md5),
    );
    await rm(directory, { recursive: true, force: true });
    return { md5, size: stored.reduce((total, part) => total + part.size, 0) };
  };

  // A request about an upload names its key; the store's calls check it (upload()), as S3
  // does. s3rver refuses UploadPartCopy (NotImplemented) and AbortMultipartUpload
  // (MethodNotAllowed) in its routes, i.e. once the request is authenticated: both are carried
  // out here then.
  const middleware = async (ctx, next) => {
    if (!('uploadId' in ctx.query)) return next();
    const object = objectOf(ctx);
    if (!object) return next();
    const { bucket, key } = object;
    const partCopy = ctx.method === 'PUT' && 'x-amz-copy-source' in ctx.headers;
    const abort = ctx.method === 'DELETE';
    if (!partCopy && !abort) return requestKey.run(key, next);
    try {
      return await requestKey.run(key, next);
    } catch (error) {
      if (error.code !== (partCopy ? 'NotImplemented' : 'MethodNotAllowed')) throw error;
    }
    const { directory } = await requestKey.run(key, () => upload(bucket, ctx.query.uploadId));
    if (abort) {
      await rm(directory, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return undefined;
    }
    const partNumber = Number(ctx.query.partNumber);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
      throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
        ArgumentName: 'partNumber',
        ArgumentValue: String(ctx.query.partNumber),
      });
    }
    const { bucket: sourceBucket, key: sourceKey } = copySourceOf(ctx);
    const sourcePath = store.getResourcePath(sourceBucket, sourceKey, 'object');
    // Size and bytes from one open file: the version copied is whole, whatever replaces it.
    const file = await open(sourcePath, 'r').catch((error) => {
      if (error.code === 'ENOENT')
        throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: sourceKey });
      throw error;
    });
    let md5;
    try {
      const { size } = await file.stat();
      const { start, end } = copyRange(ctx.get('x-amz-copy-source-range'), size);
      ({ md5 } = await store.putPart(
        bucket,
        ctx.query.uploadId,
        partNumber,
        // A stream of an empty range would still read one byte.
        size === 0
          ? Readable.from([])
          : file.createReadStream({ start, end, highWaterMark: COPY_BUFFER_BYTES, autoClose: false }),
      ));
    } finally {
      await file.close();
    }
    ctx.status = 200;
    ctx.body = { CopyPartResult: { LastModified: new Date().toISOString(), ETag: JSON.stringify(md5) } };
    return undefined;
  };
  server.middleware.splice(server.middleware.length - 1, 0, middleware);
}

/** The byte range of `bytes=first-last` within an object of `size` bytes; the whole object without one. */
function copyRange(header, size) {
  if (!header) return { start: 0, end: Math.max(size - 1, 0) };
  const match = /^bytes=(\d+)-(\d+)$/.exec(header);
  const start = match ? Number(match[1]) : NaN;
  const end = match ? Number(match[2]) : NaN;
  if (!(start <= end && end < size)) {
    throw new S3Error('InvalidArgument', `Range specified is not valid for source object of size: ${size}`, {
      ArgumentName: 'x-amz-copy-source-range',
      ArgumentValue: header,
    });
  }
  return { start, end };
}

/** Writes the files at `paths` one after the other to `target`, through one reused buffer. */
async function concatenate(paths, target) {
  const output = await open(target, 'w');
  const buffer = Buffer.allocUnsafe(COPY_BUFFER_BYTES);
  try {
    for (const path of paths) {
      const input = await open(path, 'r');
      try {
        for (;;) {
          const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          for (let written = 0; written < bytesRead;) {
            written += (await output.write(buffer, written, bytesRead - written)).bytesWritten;
          }
        }
      } finally {
        await input.close();
      }
    }
  } finally {
    await output.close();
  }
}

function noSuchUpload(uploadId) {
  return new S3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    { UploadId: uploadId },
  );
}

module.exports = { completeMultipartAsS3 };
