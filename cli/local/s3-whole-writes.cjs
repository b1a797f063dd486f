// Whole objects for the local S3 server, as S3 shows them. s3rver writes an upload, the
// completion of a multipart upload and a copy straight over the object's file: while one
// runs, readers get the bytes written so far and listings a growing size, and an upload cut
// off leaves what arrived of it in place of the object it replaced. It also answered an
// upload before its last bytes were written. Here the bytes go to a staging file beside the
// object's, which takes the object's name once it holds them all; until then the object as
// it was is answered, whole. An upload whose body fails (a dropped connection, a bad
// checksum) leaves nothing.
//
// An object is its file plus the metadata and MD5 files beside it. Putting a new version in
// place (the rename and those files), reading one (s3-reads.cjs) and deleting one each hold
// the object's lock, so no request sees the bytes of one version with the size or ETag of
// another: this one process serves every request.
//
// A copy keeps its source's MD5 (the bytes are the same): s3rver read the whole copy again
// to compute it when the copy replaced the metadata, and kept the MD5 of the object a copy
// replaced when it did not.
'use strict';
const { AsyncLocalStorage } = require('node:async_hooks');
const { Buffer } = require('node:buffer');
const { createHash } = require('node:crypto');
const { createWriteStream } = require('node:fs');
const { copyFile, link, mkdir, open, rename, unlink } = require('node:fs/promises');
const { dirname } = require('node:path');
const { Transform } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { ignoreMissing } = require('./s3-layers.cjs');

/** Suffix of staging files; s3rver lists only files that end in `._S3rver_object`. */
const STAGING = 'staging';

let staged = 0;
/**
 * The copy a request asks the SHA-256 of (s3-checksums.cjs runs the request inside it): the
 * store's copy sets `sha256` (base64) from the very file it copies.
 * @type {AsyncLocalStorage<{ sha256?: string }>}
 */
const copyChecksum = new AsyncLocalStorage();
/** Per object file: the promise the next holder of its lock waits for. */
const locks = new Map();

/**
 * Runs `critical` while holding the lock of the object whose file is `path`: one holder at a
 * time, in the order they asked.
 * @template T
 * @param {string} path
 * @param {() => Promise<T>} critical
 * @returns {Promise<T>}
 */
async function underObjectLock(path, critical) {
  const previous = locks.get(path) ?? Promise.resolve();
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  const next = previous.then(() => held);
  locks.set(path, next);
  await previous;
  try {
    return await critical();
  } finally {
    release();
    if (locks.get(path) === next) locks.delete(path);
  }
}

/**
 * Has `write(staging)` write an object's file to a staging file beside `path`; once that
 * succeeded, moves it to `path` and has `publish()` write its metadata, both under the
 * object's lock. A failed write leaves nothing.
 * @param {string} path
 * @param {(staging: string) => Promise<unknown>} write
 * @param {() => Promise<unknown>} publish
 */
async function writeWhole(path, write, publish) {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${STAGING}-${process.pid}-${++staged}`;
  try {
    await write(temporary);
    await underObjectLock(path, async () => {
      await rename(temporary, path);
      await publish();
    });
  } catch (error) {
    await unlink(temporary).catch(ignoreMissing);
    throw error;
  }
}

/**
 * Makes a not yet running s3rver's writes whole.
 * @param {import('s3rver')} server
 */
function keepWritesWhole(server) {
  const store = server.store;
  const objectPath = (bucket, key) => store.getResourcePath(bucket, key, 'object');
  // Unlocked, for callers that hold the lock already.
  const getMetadata = store.getMetadata.bind(store);
  store.getMetadata = (bucket, key) => underObjectLock(objectPath(bucket, key), () => getMetadata(bucket, key));
  const deleteObject = store.deleteObject.bind(store);
  store.deleteObject = (bucket, key) => underObjectLock(objectPath(bucket, key), () => deleteObject(bucket, key));

  // Also what s3rver's completion of a multipart upload calls (s3-multipart.cjs replaces that).
  store.putObject = async (object) => {
    const md5 = createHash('md5');
    let size = 0;
    let digest;
    await writeWhole(
      store.getResourcePath(object.bucket, object.key, 'object'),
      (temporary) => {
        const counted = new Transform({
          transform(chunk, encoding, callback) {
            md5.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        });
        const content = Buffer.isBuffer(object.content) ? [object.content] : object.content;
        return pipeline(content, counted, createWriteStream(temporary));
      },
      () => {
        digest = md5.digest('hex');
        return store.putMetadata(object.bucket, object.key, object.metadata, digest);
      },
    );
    return { size, md5: digest };
  };

  store.copyObject = async (srcBucket, srcKey, destBucket, destKey, replacementMetadata) => {
    const from = store.getResourcePath(srcBucket, srcKey, 'object');
    const to = store.getResourcePath(destBucket, destKey, 'object');
    const checksum = copyChecksum.getStore();
    // Onto itself only the metadata changes, as s3rver does it, but under the object's lock:
    // the bytes hashed and the metadata answered are those of one version.
    if (from === to) {
      return underObjectLock(from, async () => {
        if (checksum) checksum.sha256 = await sha256Of(from);
        if (replacementMetadata) await store.putMetadata(destBucket, destKey, replacementMetadata);
        return getMetadata(destBucket, destKey);
      });
    }
    // The source's metadata and a link to its file are taken together, so the bytes copied
    // are those of the version whose MD5 the copy gets, whatever replaces the source meanwhile.
    const pinned = `${from}.${STAGING}-${process.pid}-${++staged}`;
    const source = await underObjectLock(from, async () => {
      const metadata = await getMetadata(srcBucket, srcKey);
      await link(from, pinned);
      return metadata;
    });
    let copied;
    try {
      await writeWhole(
        to,
        async (temporary) => {
          // The hash reads the source while the copy runs.
          const [sha256] = await Promise.all([checksum && sha256Of(pinned), copyFile(pinned, temporary)]);
          if (checksum) checksum.sha256 = sha256;
        },
        async () => {
          await store.putMetadata(destBucket, destKey, replacementMetadata ?? source, JSON.parse(source.etag));
          // Still under the lock: the copy's own metadata, not that of a later version.
          copied = await getMetadata(destBucket, destKey);
        },
      );
    } finally {
      await unlink(pinned).catch(ignoreMissing);
    }
    return copied;
  };
}

/** Bytes of each read of {@link sha256Of}. */
const HASH_READ_BYTES = 1024 * 1024;

/**
 * The base64 SHA-256 of a file. Reads into two buffers in turn, the next read running while
 * the last one is hashed, and allocates nothing per read. A stream's fresh 1 MiB chunk per
 * read brought this server runs of full collections before its old-generation floor
 * (s3-server.ts): 270-290 ms for 256 MiB. Since the floor, a 256 MiB CopyObject asked for its
 * SHA-256 takes 177-239 ms this way and 185-233 ms with a stream (medians 180 and 191).
 */
async function sha256Of(path) {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    const buffers = [Buffer.allocUnsafe(HASH_READ_BYTES), Buffer.allocUnsafe(HASH_READ_BYTES)];
    let turn = 0;
    let reading = file.read(buffers[turn], 0, HASH_READ_BYTES, null);
    for (;;) {
      const { bytesRead, buffer } = await reading;
      if (bytesRead === 0) break;
      turn ^= 1;
      reading = file.read(buffers[turn], 0, HASH_READ_BYTES, null);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('base64');
}

module.exports = { keepWritesWhole, writeWhole, underObjectLock, copyChecksum };
