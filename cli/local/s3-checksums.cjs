// SHA-256 checksums for the local S3 server, as S3 keeps them (s3rver has none):
// - PutObject with `x-amz-checksum-sha256` checks the bytes against it (BadDigest when
//   they differ: the upload fails before it replaces anything, s3-whole-writes.cjs) and
//   stores it;
// - CopyObject with `x-amz-checksum-algorithm: SHA256` computes the copy's SHA-256 while
//   the copy runs and returns it (ChecksumSHA256, ChecksumType FULL_OBJECT); without it,
//   the copy keeps the source's checksum;
// - HeadObject and GetObject of a whole object with `x-amz-checksum-mode: ENABLED`
//   answer `x-amz-checksum-sha256` and `x-amz-checksum-type`.
// Other algorithms, and aws-chunked uploads (whose framing s3rver would store as the
// object's bytes), are refused with NotImplemented rather than ignored. A checksum is
// stored beside its object with the object's MD5, and only answered while the object
// still has that MD5: a later write that does not go through here (a multipart upload)
// leaves none.
'use strict';
const { createHash } = require('node:crypto');
const { readFile, unlink, writeFile } = require('node:fs/promises');
const { Transform } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const S3Error = require('s3rver/lib/models/error');
const { copySourceOf, ignoreMissing, objectOf } = require('./s3-layers.cjs');
const { copyChecksum } = require('./s3-whole-writes.cjs');

/** Query parameters that make a request on an object something else than a put, copy, get or head. */
const SUB_RESOURCES = [
  'acl',
  'delete',
  'legal-hold',
  'partNumber',
  'retention',
  'select',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
];
const SIDECAR = 'checksums.json';
const OTHER_CHECKSUMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1'].map((name) => `x-amz-checksum-${name}`);

/**
 * Adds checksums to a not yet running s3rver. The middleware goes right
 * before s3rver's router, so the path is already path-style and the answer
 * is still an object, before it becomes XML.
 * @param {import('s3rver')} server
 */
function addChecksums(server) {
  const store = server.store;
  const sidecar = (bucket, key) => store.getResourcePath(bucket, key, SIDECAR);
  const deleteObject = store.deleteObject.bind(store);
  // First, so that s3rver's clean-up of emptied folders finds them empty.
  store.deleteObject = async (bucket, key) => {
    await unlink(sidecar(bucket, key)).catch(ignoreMissing);
    return deleteObject(bucket, key);
  };

  const readChecksum = async (bucket, key, etag) => {
    const stored = await readFile(sidecar(bucket, key), 'utf8').then(JSON.parse, ignoreMissing);
    return stored && `"${stored.md5}"` === etag ? stored.sha256 : undefined;
  };
  const writeChecksum = (bucket, key, etag, sha256) =>
    writeFile(sidecar(bucket, key), JSON.stringify({ md5: etag.replace(/"/g, ''), sha256 }));
  const dropChecksum = (bucket, key) => unlink(sidecar(bucket, key)).catch(ignoreMissing);

  const middleware = async (ctx, next) => {
    const object = objectOf(ctx);
    if (!object || SUB_RESOURCES.some((name) => name in ctx.query)) return next();
    const { bucket, key } = object;
    switch (ctx.method) {
      case 'PUT':
        return 'x-amz-copy-source' in ctx.headers ? copy(ctx, next, bucket, key) : put(ctx, next, bucket, key);
      case 'GET':
      case 'HEAD':
        return answer(ctx, next, bucket, key);
      default:
        return next();
    }
  };

  const put = async (ctx, next, bucket, key) => {
    if (ctx.get('x-amz-content-sha256').startsWith('STREAMING-') || ctx.get('x-amz-trailer')) {
      // s3rver would store the chunk framing as the object's bytes.
      throw new S3Error(
        'NotImplemented',
        "This local S3 server takes no aws-chunked uploads: set the SDK client's requestChecksumCalculation to WHEN_REQUIRED.",
      );
    }
    checkAlgorithm(ctx.get('x-amz-sdk-checksum-algorithm'), 'x-amz-sdk-checksum-algorithm');
    const other = OTHER_CHECKSUMS.find((name) => name in ctx.headers);
    if (other) throw new S3Error('NotImplemented', `This local S3 server checks SHA-256 checksums only, not ${other}.`);
    const expected = ctx.get('x-amz-checksum-sha256');
    if (!expected) {
      await next();
      if (ctx.status === 200) await dropChecksum(bucket, key);
      return;
    }
    if (!isSha256(expected)) {
      throw new S3Error('InvalidRequest', 'Value for x-amz-checksum-sha256 header is invalid.');
    }
    const hash = createHash('sha256');
    // s3rver reads the body from ctx.req (the headers stay on ctx.request). The body fails
    // at its end when the bytes are not the ones announced, and the upload with it.
    const checked = new Transform({
      transform(chunk, encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
      flush(callback) {
        callback(
          hash.digest('base64') === expected
            ? null
            : new S3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.'),
        );
      },
    });
    pipeline(ctx.req, checked).catch(() => undefined);
    ctx.req = checked;
    await next();
    if (ctx.status !== 200) return;
    await writeChecksum(bucket, key, ctx.response.get('ETag'), expected);
    ctx.set('x-amz-checksum-sha256', expected);
    ctx.set('x-amz-checksum-type', 'FULL_OBJECT');
  };

  const copy = async (ctx, next, bucket, key) => {
    const algorithm = ctx.get('x-amz-checksum-algorithm');
    checkAlgorithm(algorithm, 'x-amz-checksum-algorithm');
    const { bucket: sourceBucket, key: sourceKey } = copySourceOf(ctx);
    // The store's copy hashes the very file it copies (s3-whole-writes.cjs).
    const hashing = algorithm ? {} : undefined;
    await (hashing ? copyChecksum.run(hashing, next) : next());
    const result = ctx.body && ctx.body.CopyObjectResult;
    if (ctx.status !== 200 || !result) return;
    const sha256 = hashing ? hashing.sha256 : await readChecksum(sourceBucket, sourceKey, result.ETag);
    if (sha256 === undefined) {
      await dropChecksum(bucket, key);
      return;
    }
    await writeChecksum(bucket, key, result.ETag, sha256);
    if (hashing) ctx.body = { CopyObjectResult: { ...result, ChecksumSHA256: sha256, ChecksumType: 'FULL_OBJECT' } };
  };

  const answer = async (ctx, next, bucket, key) => {
    await next();
    if (ctx.status !== 200 || ctx.get('x-amz-checksum-mode').toUpperCase() !== 'ENABLED') return;
    const sha256 = await readChecksum(bucket, key, ctx.response.get('ETag'));
    if (sha256 === undefined) return;
    ctx.set('x-amz-checksum-sha256', sha256);
    ctx.set('x-amz-checksum-type', 'FULL_OBJECT');
  };

  server.middleware.splice(server.middleware.length - 1, 0, middleware);
}

function checkAlgorithm(algorithm, header) {
  if (algorithm && algorithm.toUpperCase() !== 'SHA256') {
    throw new S3Error(
      'NotImplemented',
      `This local S3 server computes SHA256 checksums only; ${header} is ${algorithm}.`,
    );
  }
}

function isSha256(base64) {
  return /^[A-Za-z0-9+/]{43}=$/.test(base64);
}

module.exports = { addChecksums };
