// What the local S3 server's layers (s3-whole-writes, s3-checksums, s3-multipart, s3-reads)
// share.
'use strict';

/**
 * The bucket and key a copy request (CopyObject, UploadPartCopy) names in
 * `x-amz-copy-source`, read as s3rver reads it.
 * @returns {{ bucket: string, key: string }}
 */
function copySourceOf(ctx) {
  const [bucket, ...key] = decodeURI(ctx.get('x-amz-copy-source')).replace(/^\//, '').split('?')[0].split('/');
  return { bucket, key: key.join('/') };
}

/**
 * The bucket and key of a path-style request on an object, the key decoded as s3rver's router
 * decodes it (a malformed percent-escape taken as it stands); undefined for any other path.
 * @returns {{ bucket: string, key: string } | undefined}
 */
function objectOf(ctx) {
  const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
  if (!match) return undefined;
  let key;
  try {
    key = decodeURIComponent(match[2]);
  } catch {
    key = match[2];
  }
  return { bucket: match[1], key };
}

/** For `.catch`: a missing file is no failure. */
function ignoreMissing(error) {
  if (error.code !== 'ENOENT') throw error;
  return undefined;
}

module.exports = { copySourceOf, ignoreMissing, objectOf };
