// Reads of the local S3 server: one version of an object, whole, in 1 MiB chunks.
// - s3rver took an object's size and ETag, then opened its file: an upload that replaced the
//   object in between had its bytes answered with the old size (cut short, or the start of a
//   larger object) and the old ETag. Here the metadata is read and the file opened under the
//   object's lock (s3-whole-writes.cjs), and the answer streams from that open file.
// - s3rver streamed the file in Node's default 64 KiB chunks, each through its HTTP response
//   on its own: a 256 MiB GET cost the server ~330 ms of CPU and took ~480 ms, against ~225 ms
//   and ~300 ms read 1 MiB at a time (6 runs each). On a machine with few cores that CPU is
//   taken from the client and the other servers of the same transfer.
// Ranges, unsatisfiable ranges and missing objects are answered as s3rver did.
'use strict';
const { open } = require('node:fs/promises');
const S3Object = require('s3rver/lib/models/object');
const { underObjectLock } = require('./s3-whole-writes.cjs');

const READ_BYTES = 1024 * 1024;

/**
 * Makes a not yet running s3rver read objects whole and in large chunks.
 * @param {import('s3rver')} server
 */
function readObjectsWhole(server) {
  const store = server.store;
  // s3rver's own, without the lock: the lock is held around it here.
  const getMetadata = (bucket, key) => Object.getPrototypeOf(store).getMetadata.call(store, bucket, key);
  store.getObject = async (bucket, key, options) => {
    const path = store.getResourcePath(bucket, key, 'object');
    let file;
    try {
      const metadata = await underObjectLock(path, async () => {
        const found = await getMetadata(bucket, key);
        file = await open(path, 'r');
        return found;
      });
      const lastByte = Math.max(0, Number(metadata['content-length']) - 1);
      const range = {
        start: (options && options.start) || 0,
        end: Math.min((options && options.end) || Infinity, lastByte),
      };
      const satisfiable = range.start >= 0 && range.start <= range.end;
      // The stream closes the file when it ends or is destroyed.
      const content = satisfiable ? file.createReadStream({ ...range, highWaterMark: READ_BYTES }) : null;
      if (!content) await file.close();
      file = undefined;
      const object = new S3Object(bucket, key, content, metadata);
      if (options && (options.start !== undefined || options.end)) object.range = range;
      return object;
    } catch (error) {
      await file?.close().catch(() => undefined);
      if (error.code === 'ENOENT') return null;
      throw error;
    }
  };
}

module.exports = { readObjectsWhole };
