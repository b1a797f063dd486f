import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { s3ClientFor, S3RVER_CREDENTIALS, startS3Server, type LocalS3Server } from '../../cli/local/s3-server';
import { LandingWatcher, type ObjectCreatedEvent } from '../../cli/runtime/landing-watcher';

const BUCKET = 'fileflow-local-landing';

describe('local runtime: landing watcher (s3rver)', function () {
  this.timeout(30_000);
  let dir: string;
  let server: LocalS3Server;
  let s3: S3Client;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fileflow-landing-watcher-'));
    server = await startS3Server({ dir: join(dir, 's3'), buckets: [BUCKET] });
    s3 = s3ClientFor(server.endpoint, S3RVER_CREDENTIALS);
  });

  after(async () => {
    s3?.destroy();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('GIVEN an object whose bytes are still being written when the bucket is listed WHEN the watcher scans THEN it reports the object once, with its final size, after the writes stop', async () => {
    const events: ObjectCreatedEvent[] = [];
    const watcher = new LandingWatcher({ s3, bucket: BUCKET, region: 'us-east-1', onEvent: (e) => events.push(e) });
    await watcher.prime();
    const key = 'inbound/acme/growing.csv';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.alloc(1000, 1) }));
    // s3rver's store file of the object: growing it is what s3rver's listing shows while an upload is written.
    const stored = join(dir, 's3', BUCKET, 'inbound', 'acme', 'growing.csv._S3rver_object');
    let size = 1000;
    const writing = (async () => {
      for (let i = 0; i < 12; i++) {
        await new Promise((resolve) => setTimeout(resolve, 15));
        await appendFile(stored, Buffer.alloc(1000, 2));
        size += 1000;
      }
    })();

    const reported = await watcher.scan();
    await writing;
    await watcher.scan();

    expect(reported).to.equal(1);
    expect(events.map((e) => [e.detail.object.key, e.detail.object.size])).to.deep.equal([[key, size]]);
  });

  it('GIVEN a reported object WHEN the bucket is scanned again THEN it is not reported twice', async () => {
    const events: ObjectCreatedEvent[] = [];
    const watcher = new LandingWatcher({ s3, bucket: BUCKET, region: 'us-east-1', onEvent: (e) => events.push(e) });
    await watcher.prime();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'inbound/acme/once.csv', Body: Buffer.from('a,b\n') }));

    await watcher.scan();
    await watcher.scan();

    expect(events.map((e) => e.detail.object.key)).to.deep.equal(['inbound/acme/once.csv']);
  });
});
