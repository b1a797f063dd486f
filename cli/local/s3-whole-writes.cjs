// Whole objects for the local S3 server, as S3 shows them. s3rver writes an upload, the
// completion of a multipart upload and a copy straight over the object's file: while one
// runs, readers get the bytes written so far and listings a growing size, and an upload cut
// off leaves what arrived of it in place of the object it replaced. It also answered an
// upload before its last bytes were written. Here the bytes go to a staging file beside the
// object's, which takes the object's name once it holds them all; until then the object as
// it was is answered, whole. An upload whose body fails (a dropped connection, a bad
// checksum) leaves nothing.
//
// A copy keeps its source's MD5 (the bytes are the same): s3rver read the whole copy again
// to compute it when the copy replaced the metadata, and kept the MD5 of the object a copy
// replaced when it did not.
'use strict';
const { Buffer } = require('node:buffer');
const { createHash } = require('node:crypto');
const { createWriteStream } = require('node:fs');
const { copyFile, mkdir, rename, unlink } = require('node:fs/promises');
const { dirname } = require('node:path');
const { Transform } = require('node:stream');
const { pipeline } = require('node:stream/promises');

/** Suffix of staging files; s3rver lists only files that end in `._S3rver_object`. */
const STAGING = 'staging';

let staged = 0;

/**
 * Has `write(staging)` write an object's file to a staging file beside `path`, and moves it
 * to `path` once that succeeded; a failed write leaves nothing.
 * @param {string} path
 * @param {(staging: string) => Promise<unknown>} write
 */
async function writeWhole(path, write) {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${STAGING}-${process.pid}-${++staged}`;
  try {
    await write(temporary);
    await rename(temporary, path);
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

  // Also what s3rver's completion of a multipart upload calls (s3-multipart.cjs replaces that).
  store.putObject = async (object) => {
    const md5 = createHash('md5');
    let size = 0;
    await writeWhole(store.getResourcePath(object.bucket, object.key, 'object'), (temporary) => {
      const counted = new Transform({
        transform(chunk, encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      const content = Buffer.isBuffer(object.content) ? [object.content] : object.content;
      return pipeline(content, counted, createWriteStream(temporary));
    });
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };

  const copyObject = store.copyObject.bind(store);
  store.copyObject = async (srcBucket, srcKey, destBucket, destKey, replacementMetadata) => {
    const from = store.getResourcePath(srcBucket, srcKey, 'object');
    const to = store.getResourcePath(destBucket, destKey, 'object');
    // Onto itself only the metadata changes, which s3rver does without touching the bytes.
    if (from === to) return copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
    const source = await store.getMetadata(srcBucket, srcKey);
    await writeWhole(to, (temporary) => copyFile(from, temporary));
    await store.putMetadata(destBucket, destKey, replacementMetadata ?? source, JSON.parse(source.etag));
    return store.getMetadata(destBucket, destKey);
  };
}

function ignoreMissing(error) {
  if (error.code !== 'ENOENT') throw error;
  return undefined;
}

module.exports = { keepWritesWhole, writeWhole };
