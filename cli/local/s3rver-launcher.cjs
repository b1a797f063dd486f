// Runs s3rver in its own process, started by s3-server.ts as
//   node --openssl-legacy-provider --initial-old-space-size=64 s3rver-launcher.cjs <dir> <bucket>...
// Without the legacy provider s3rver's truncated ListObjectsV2 answers 500; s3-server.ts says
// why the old-generation floor.
// Prints {"port":N} on stdout once it listens; stops on SIGTERM. Objects that change
// only once whole come from s3-whole-writes.cjs, SHA-256 checksums as S3 keeps them
// from s3-checksums.cjs, multipart uploads as S3 completes them from s3-multipart.cjs,
// reads of one whole version in 1 MiB chunks from s3-reads.cjs.
'use strict';
const S3rver = require('s3rver');
const { addChecksums } = require('./s3-checksums.cjs');
const { completeMultipartAsS3 } = require('./s3-multipart.cjs');
const { readObjectsWhole } = require('./s3-reads.cjs');
const { keepWritesWhole } = require('./s3-whole-writes.cjs');

const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});
keepWritesWhole(server);
addChecksums(server);
completeMultipartAsS3(server);
readObjectsWhole(server);
server.run().then(
  ({ port }) => process.stdout.write(`${JSON.stringify({ port })}\n`),
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
