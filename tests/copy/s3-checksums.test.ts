import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { s3ClientFor, S3RVER_CREDENTIALS } from '../../cli/local/s3-server';
import { copy } from '../../functions/core/copy';
import { createEndpoint } from '../../functions/core/endpoints';
import type { TransferError } from '../../functions/core/errors';
import { sha256OfObject } from '../fixtures/files';
import { useLocalServers } from '../fixtures/local-servers';
import { rejectionOf } from '../fixtures/rejections';

const base64Sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');
const hexSha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const s3Error = (promise: Promise<unknown>) => rejectionOf(promise, S3ServiceException);

describe('SHA-256 checksums on the local S3 server and in S3 → S3 copies', function () {
  const servers = useLocalServers();
  const head = (key: string) =>
    servers.s3Client.send(new HeadObjectCommand({ Bucket: servers.bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const keys = async (prefix: string) =>
    (
      (await servers.s3Client.send(new ListObjectsV2Command({ Bucket: servers.bucket, Prefix: prefix }))).Contents ?? []
    ).map((object) => object.Key);

  /** Uploads `body` under `key`, with whatever else `input` sets (a checksum, metadata). */
  const put = (key: string, body: Buffer | string, input: Partial<PutObjectCommandInput> = {}) =>
    servers.s3Client.send(new PutObjectCommand({ Bucket: servers.bucket, Key: key, Body: body, ...input }));

  describe('the local S3 server keeps them as S3 does', () => {
    it('GIVEN an upload carrying its SHA-256 WHEN read back with checksums enabled THEN S3 answers it for the whole object, and not unasked', async () => {
      const bytes = randomBytes(4096);
      await put('sums/put ü.bin', bytes, { ChecksumSHA256: base64Sha256(bytes) });

      const answer = await head('sums/put ü.bin');
      expect(answer.ChecksumSHA256).to.equal(base64Sha256(bytes));
      expect(answer.ChecksumType).to.equal('FULL_OBJECT');
      const unasked = await servers.s3Client.send(
        new HeadObjectCommand({ Bucket: servers.bucket, Key: 'sums/put ü.bin' }),
      );
      expect(unasked.ChecksumSHA256).to.equal(undefined);
    });

    it('GIVEN an upload whose bytes do not match its SHA-256 WHEN sent THEN it is refused with BadDigest and nothing is kept', async () => {
      const error = await s3Error(
        put('sums/corrupt.bin', randomBytes(4096), { ChecksumSHA256: base64Sha256(Buffer.from('other bytes')) }),
      );

      expect(error.name).to.equal('BadDigest');
      expect(await keys('sums/corrupt')).to.deep.equal([]);
    });

    it('GIVEN a key holding a malformed percent-escape WHEN an upload to it does not match its SHA-256 THEN it is refused with BadDigest and nothing is kept, as under any other key', async () => {
      const path = `${servers.s3.endpoint}/${servers.bucket}/sums/bad%E0%A4.bin`;

      const answer = await fetch(path, {
        method: 'PUT',
        headers: { 'x-amz-checksum-sha256': base64Sha256(Buffer.from('other bytes')) },
        body: randomBytes(1024),
      });

      expect(answer.status).to.equal(400);
      expect(await answer.text()).to.include('<Code>BadDigest</Code>');
      expect((await fetch(path)).status).to.equal(404);
    });

    it('GIVEN an object WHEN an upload over it does not match its SHA-256 THEN the object is left as it was, with its checksum; a matching one replaces it', async () => {
      const before = randomBytes(2048);
      const upload = (body: Buffer, sha256: string) => put('sums/kept.bin', body, { ChecksumSHA256: sha256 });
      await upload(before, base64Sha256(before));

      const error = await s3Error(upload(randomBytes(4096), base64Sha256(Buffer.from('other bytes'))));

      expect(error.name).to.equal('BadDigest');
      expect(await keys('sums/kept')).to.deep.equal(['sums/kept.bin']);
      expect(await sha256OfObject(servers.s3Client, servers.bucket, 'sums/kept.bin')).to.equal(hexSha256(before));
      expect((await head('sums/kept.bin')).ChecksumSHA256).to.equal(base64Sha256(before));

      const after = randomBytes(1000);
      await upload(after, base64Sha256(after));
      expect(await keys('sums/kept')).to.deep.equal(['sums/kept.bin']);
      expect(await sha256OfObject(servers.s3Client, servers.bucket, 'sums/kept.bin')).to.equal(hexSha256(after));
      expect((await head('sums/kept.bin')).ChecksumSHA256).to.equal(base64Sha256(after));
    });

    it('GIVEN a copy asked for its SHA-256 WHEN copied THEN S3 returns the SHA-256 of the bytes; a later copy keeps it and an overwrite drops it', async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 7);
      await put('sums/plain.bin', bytes);

      const copied = await servers.s3Client.send(
        new CopyObjectCommand({
          Bucket: servers.bucket,
          Key: 'sums/copy-1.bin',
          CopySource: `${servers.bucket}/sums/plain.bin`,
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      expect(copied.CopyObjectResult?.ChecksumSHA256).to.equal(base64Sha256(bytes));
      expect(copied.CopyObjectResult?.ChecksumType).to.equal('FULL_OBJECT');
      expect((await head('sums/plain.bin')).ChecksumSHA256).to.equal(undefined);

      await servers.s3Client.send(
        new CopyObjectCommand({
          Bucket: servers.bucket,
          Key: 'sums/copy-2.bin',
          CopySource: `${servers.bucket}/sums/copy-1.bin`,
        }),
      );
      expect((await head('sums/copy-2.bin')).ChecksumSHA256).to.equal(base64Sha256(bytes));

      await put('sums/copy-2.bin', 'new bytes');
      expect((await head('sums/copy-2.bin')).ChecksumSHA256).to.equal(undefined);
    });

    it('GIVEN another checksum algorithm or an aws-chunked upload WHEN sent THEN it is refused as not implemented and nothing is kept', async () => {
      await put('sums/source.bin', 'bytes');
      const crc = await s3Error(
        servers.s3Client.send(
          new CopyObjectCommand({
            Bucket: servers.bucket,
            Key: 'sums/crc.bin',
            CopySource: `${servers.bucket}/sums/source.bin`,
            ChecksumAlgorithm: 'CRC32',
          }),
        ),
      );
      const crcUpload = await s3Error(put('sums/crc-upload.bin', 'bytes', { ChecksumCRC32: 'AAAAAA==' }));
      // The SDK's default for AWS: a streamed body goes aws-chunked with a CRC32 trailer.
      const chunkingClient = new S3Client({
        endpoint: servers.s3.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { ...S3RVER_CREDENTIALS },
        // Else the SDK warns on the console that a streamed request failed.
        logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      });
      const chunked = await s3Error(
        chunkingClient
          .send(
            new PutObjectCommand({
              Bucket: servers.bucket,
              Key: 'sums/chunked.bin',
              Body: Readable.from([randomBytes(1024)]),
              ContentLength: 1024,
            }),
          )
          .finally(() => chunkingClient.destroy()),
      );

      expect([crc.name, crcUpload.name, chunked.name]).to.deep.equal([
        'NotImplemented',
        'NotImplemented',
        'NotImplemented',
      ]);
      expect(chunked.message).to.include('requestChecksumCalculation');
      expect(await keys('sums/crc')).to.deep.equal([]);
      expect(await keys('sums/chunked')).to.deep.equal([]);
    });
  });

  describe('S3 → S3 copies learn the SHA-256 without reading the object', () => {
    /** A client of the same server that notes every request it sends, and may take a header off them. */
    function observedClient(dropHeader?: string): { client: S3Client; sent: string[] } {
      const client = s3ClientFor(servers.s3.endpoint, S3RVER_CREDENTIALS);
      const sent: string[] = [];
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const request = args.request as { headers: Record<string, string> };
          const asked = request.headers['x-amz-checksum-algorithm'];
          const answers = request.headers['x-amz-checksum-mode'] === 'ENABLED' ? ' with checksums' : '';
          sent.push(`${context.commandName}${asked ? ` ${asked}` : ''}${answers}`);
          if (dropHeader) delete request.headers[dropHeader];
          return next(args);
        },
        { step: 'build', name: 'observe' },
      );
      return { client, sent };
    }
    const endpoint = (client: S3Client, key: string) => createEndpoint(servers.s3Location(key), { s3: client });

    it('GIVEN a source whose SHA-256 nobody recorded WHEN copied THEN S3 computes it during the copy, no byte is read, and the copy records it', async () => {
      const bytes = randomBytes(5 * 1024 * 1024 + 3);
      await put('copies/unknown.bin', bytes);
      const { client, sent } = observedClient();

      const result = await copy(endpoint(client, 'copies/unknown.bin'), endpoint(client, 'copies/unknown-copy.bin'));
      client.destroy();

      expect(result.sha256).to.equal(hexSha256(bytes));
      expect(sent.filter((name) => name.startsWith('GetObject'))).to.deep.equal([]);
      expect(sent).to.include('CopyObjectCommand SHA256');
      const target = await head('copies/unknown-copy.bin');
      expect(target.Metadata?.sha256).to.equal(hexSha256(bytes));
      expect(target.ChecksumSHA256).to.equal(base64Sha256(bytes));
      expect(await sha256OfObject(servers.s3Client, servers.bucket, 'copies/unknown-copy.bin')).to.equal(
        hexSha256(bytes),
      );
    });

    it("GIVEN a source uploaded with its SHA-256 checksum and a wrong sha256 in its metadata WHEN copied THEN S3's checksum wins, nothing is read or recomputed, and the copy records the true SHA-256", async () => {
      const bytes = randomBytes(64 * 1024);
      await put('copies/checksummed.bin', bytes, {
        ChecksumSHA256: base64Sha256(bytes),
        Metadata: { sha256: hexSha256(Buffer.from('not these bytes')) },
      });
      const { client, sent } = observedClient();

      const result = await copy(
        endpoint(client, 'copies/checksummed.bin'),
        endpoint(client, 'copies/checksummed-copy.bin'),
      );
      client.destroy();

      expect(result.sha256).to.equal(hexSha256(bytes));
      expect(sent).to.deep.equal(['HeadObjectCommand with checksums', 'CopyObjectCommand']);
      expect((await head('copies/checksummed-copy.bin')).Metadata?.sha256).to.equal(hexSha256(bytes));
    });

    it("GIVEN a source uploaded with its SHA-256 checksum WHEN copied with that SHA-256 expected THEN S3's checksum vouches for the bytes and nothing is read; another expected SHA-256 is refused as a permanent CHECKSUM_MISMATCH, still unread, and no copy is made", async () => {
      const bytes = randomBytes(64 * 1024);
      await put('copies/expected.bin', bytes, { ChecksumSHA256: base64Sha256(bytes) });
      const { client, sent } = observedClient();

      const result = await copy(endpoint(client, 'copies/expected.bin'), endpoint(client, 'copies/expected-copy.bin'), {
        expectedSha256: hexSha256(bytes),
      });
      const failure = await copy(endpoint(client, 'copies/expected.bin'), endpoint(client, 'copies/unexpected.bin'), {
        expectedSha256: hexSha256(Buffer.from('other bytes')),
      }).then(
        () => undefined,
        (error: TransferError) => error,
      );
      client.destroy();

      expect(result.sha256).to.equal(hexSha256(bytes));
      expect([failure?.code, failure?.transient]).to.deep.equal(['CHECKSUM_MISMATCH', false]);
      expect(sent).to.deep.equal([
        'HeadObjectCommand with checksums',
        'CopyObjectCommand',
        'HeadObjectCommand with checksums',
      ]);
      expect((await head('copies/expected-copy.bin')).Metadata?.sha256).to.equal(hexSha256(bytes));
      expect(await keys('copies/unexpected')).to.deep.equal([]);
    });

    it('GIVEN an object WHEN only checked for THEN S3 is not asked for its checksums, which on a KMS-encrypted object takes kms:Decrypt', async () => {
      const bytes = randomBytes(1024);
      await put('copies/polled.bin', bytes, { ChecksumSHA256: base64Sha256(bytes) });
      const { client, sent } = observedClient();

      const stat = await endpoint(client, 'copies/polled.bin').stat();
      client.destroy();

      expect(stat.size).to.equal(1024);
      expect(sent).to.deep.equal(['HeadObjectCommand']);
    });

    it('GIVEN an S3 server that computes no checksum during a copy WHEN copied THEN the copy is read once to hash it and records the SHA-256', async () => {
      const bytes = randomBytes(2 * 1024 * 1024 + 1);
      await put('copies/no-sums.bin', bytes);
      const { client, sent } = observedClient('x-amz-checksum-algorithm');

      const result = await copy(endpoint(client, 'copies/no-sums.bin'), endpoint(client, 'copies/no-sums-copy.bin'));
      client.destroy();

      expect(result.sha256).to.equal(hexSha256(bytes));
      expect(sent.filter((name) => name.startsWith('GetObject'))).to.have.length(1);
      expect((await head('copies/no-sums-copy.bin')).Metadata?.sha256).to.equal(hexSha256(bytes));
    });
  });
});
