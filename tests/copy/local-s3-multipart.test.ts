import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { copyObjectServerSide } from '../../functions/core/s3/server-side-copy';
import { useLocalServers } from '../fixtures/local-servers';
import { rejectionOf } from '../fixtures/rejections';

const MiB = 1024 * 1024;
const md5Hex = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
/** S3's ETag of a multipart upload: the MD5 of the parts' binary MD5s, then the part count. */
const multipartETag = (parts: Buffer[]) =>
  `"${md5Hex(Buffer.concat(parts.map((part) => createHash('md5').update(part).digest())))}-${parts.length}"`;

/** The S3 error code a request fails with. */
const s3ErrorOf = async (promise: Promise<unknown>) => (await rejectionOf(promise, S3ServiceException)).name;

describe('the local S3 server: multipart uploads as S3 does them', function () {
  this.timeout(60_000);
  const servers = useLocalServers();
  const s3 = () => servers.s3Client;
  const Bucket = () => servers.bucket;
  const uploadsDir = () => join(servers.dir, 's3', servers.bucket, '._S3rver_uploads');

  const start = async (Key: string) =>
    (await s3().send(new CreateMultipartUploadCommand({ Bucket: Bucket(), Key, ContentType: 'text/csv' }))).UploadId!;
  const uploadPart = async (Key: string, UploadId: string, PartNumber: number, Body: Buffer) =>
    ({
      PartNumber,
      ETag: (await s3().send(new UploadPartCommand({ Bucket: Bucket(), Key, UploadId, PartNumber, Body }))).ETag,
    }) satisfies CompletedPart;
  const complete = (Key: string, UploadId: string, Parts: CompletedPart[]) =>
    s3().send(new CompleteMultipartUploadCommand({ Bucket: Bucket(), Key, UploadId, MultipartUpload: { Parts } }));
  const get = async (Key: string) =>
    Buffer.from(await (await s3().send(new GetObjectCommand({ Bucket: Bucket(), Key }))).Body!.transformToByteArray());
  const exists = (Key: string) =>
    s3()
      .send(new HeadObjectCommand({ Bucket: Bucket(), Key }))
      .then(
        () => true,
        () => false,
      );

  it('GIVEN parts of 5 MiB, 5 MiB and 1 KiB sent last to first WHEN the upload is completed THEN the object is the parts in part order, its ETag is the one S3 gives a multipart upload, and the upload is gone', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1024)];
    const UploadId = await start('multipart/whole.bin');
    const sent = await Promise.all([3, 2, 1].map((n) => uploadPart('multipart/whole.bin', UploadId, n, parts[n - 1]!)));

    const answer = await complete(
      'multipart/whole.bin',
      UploadId,
      sent.sort((a, b) => a.PartNumber - b.PartNumber),
    );

    expect(answer.ETag).to.equal(multipartETag(parts));
    expect((await get('multipart/whole.bin')).equals(Buffer.concat(parts))).to.equal(true);
    const head = await s3().send(new HeadObjectCommand({ Bucket: Bucket(), Key: 'multipart/whole.bin' }));
    expect([head.ContentLength, head.ETag, head.ContentType]).to.deep.equal([
      10 * MiB + 1024,
      multipartETag(parts),
      'text/csv',
    ]);
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: Bucket(), Prefix: 'multipart/whole' }));
    expect(listed.Contents?.map((object) => [object.Key, object.Size, object.ETag])).to.deep.equal([
      ['multipart/whole.bin', 10 * MiB + 1024, multipartETag(parts)],
    ]);
    expect(existsSync(join(uploadsDir(), UploadId))).to.equal(false);
    expect(await s3ErrorOf(complete('multipart/whole.bin', UploadId, sent))).to.equal('NoSuchUpload');
  });

  it('GIVEN an upload of three parts WHEN it is completed with parts out of order, a part never sent, an ETag of another part, or a small part before the last THEN S3 errors are answered, no object appears, and the upload can still be completed', async () => {
    const Key = 'multipart/checked.bin';
    const bytes = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(10)];
    const UploadId = await start(Key);
    const [one, two, three] = await Promise.all(bytes.map((part, index) => uploadPart(Key, UploadId, index + 1, part)));
    const small = await start('multipart/small.bin');
    const smallParts = [
      await uploadPart('multipart/small.bin', small, 1, randomBytes(MiB)),
      await uploadPart('multipart/small.bin', small, 2, randomBytes(MiB)),
    ];

    expect(await s3ErrorOf(complete(Key, UploadId, [one!, three!, two!]))).to.equal('InvalidPartOrder');
    expect(await s3ErrorOf(complete(Key, UploadId, [one!, two!, { PartNumber: 4, ETag: three!.ETag }]))).to.equal(
      'InvalidPart',
    );
    expect(await s3ErrorOf(complete(Key, UploadId, [one!, { PartNumber: 2, ETag: one!.ETag }, three!]))).to.equal(
      'InvalidPart',
    );
    expect(await s3ErrorOf(complete('multipart/small.bin', small, smallParts))).to.equal('EntityTooSmall');
    expect(await exists(Key)).to.equal(false);
    expect(await exists('multipart/small.bin')).to.equal(false);

    await complete(Key, UploadId, [one!, two!, three!]);
    expect((await get(Key)).equals(Buffer.concat(bytes))).to.equal(true);
  });

  it('GIVEN an upload with a part WHEN it is aborted THEN its parts are removed, and a part or a completion for it answers NoSuchUpload', async () => {
    const Key = 'multipart/aborted.bin';
    const UploadId = await start(Key);
    const part = await uploadPart(Key, UploadId, 1, randomBytes(MiB));

    await s3().send(new AbortMultipartUploadCommand({ Bucket: Bucket(), Key, UploadId }));

    expect(existsSync(join(uploadsDir(), UploadId))).to.equal(false);
    expect(await s3ErrorOf(uploadPart(Key, UploadId, 2, randomBytes(10)))).to.equal('NoSuchUpload');
    expect(await s3ErrorOf(complete(Key, UploadId, [part]))).to.equal('NoSuchUpload');
    expect(await s3ErrorOf(uploadPart(Key, 'no-such-upload', 1, randomBytes(10)))).to.equal('NoSuchUpload');
    expect(await exists(Key)).to.equal(false);
  });

  it('GIVEN an upload of one key WHEN a part is sent or copied, or the upload is completed or aborted, under another key THEN NoSuchUpload is answered, and the upload still completes under its own key', async () => {
    const Key = 'multipart/own-key.bin';
    const other = 'multipart/other-key.bin';
    await s3().send(
      new PutObjectCommand({ Bucket: Bucket(), Key: 'multipart/copy-source.bin', Body: randomBytes(10) }),
    );
    const UploadId = await start(Key);
    const bytes = randomBytes(1024);
    const part = await uploadPart(Key, UploadId, 1, bytes);

    expect(await s3ErrorOf(uploadPart(other, UploadId, 2, randomBytes(10)))).to.equal('NoSuchUpload');
    const copiedPart = new UploadPartCopyCommand({
      Bucket: Bucket(),
      Key: other,
      UploadId,
      PartNumber: 2,
      CopySource: `${Bucket()}/multipart/copy-source.bin`,
    });
    expect(await s3ErrorOf(s3().send(copiedPart))).to.equal('NoSuchUpload');
    expect(await s3ErrorOf(complete(other, UploadId, [part]))).to.equal('NoSuchUpload');
    const abort = new AbortMultipartUploadCommand({ Bucket: Bucket(), Key: other, UploadId });
    expect(await s3ErrorOf(s3().send(abort))).to.equal('NoSuchUpload');

    expect(await exists(other)).to.equal(false);
    await complete(Key, UploadId, [part]);
    expect((await get(Key)).equals(bytes)).to.equal(true);
  });

  it('GIVEN a request about an upload whose key holds a malformed percent-escape WHEN sent THEN NoSuchUpload is answered, not an internal error', async () => {
    const UploadId = await start('multipart/escaped.bin');

    const answer = await fetch(`${servers.s3.endpoint}/${Bucket()}/multipart/bad%E0%A4?uploadId=${UploadId}`, {
      method: 'DELETE',
    });

    expect(answer.status).to.equal(404);
    expect(await answer.text()).to.include('<Code>NoSuchUpload</Code>');
  });

  it('GIVEN a 12 MiB object WHEN parts are copied from byte ranges of it and completed THEN the new object holds its bytes, and the ETag of each part is the MD5 of its range', async () => {
    const source = randomBytes(12 * MiB);
    await s3().send(new PutObjectCommand({ Bucket: Bucket(), Key: 'multipart/source.bin', Body: source }));
    const Key = 'multipart/copied.bin';
    const UploadId = await start(Key);
    const ranges = [
      [0, 5 * MiB - 1],
      [5 * MiB, 10 * MiB - 1],
      [10 * MiB, 12 * MiB - 1],
    ] as const;

    const parts = await Promise.all(
      ranges.map(async ([first, last], index) => {
        const { CopyPartResult } = await s3().send(
          new UploadPartCopyCommand({
            Bucket: Bucket(),
            Key,
            UploadId,
            PartNumber: index + 1,
            CopySource: `${Bucket()}/multipart/source.bin`,
            CopySourceRange: `bytes=${first}-${last}`,
          }),
        );
        expect(CopyPartResult?.ETag).to.equal(`"${md5Hex(source.subarray(first, last + 1))}"`);
        return { PartNumber: index + 1, ETag: CopyPartResult!.ETag };
      }),
    );
    await complete(Key, UploadId, parts);

    expect((await get(Key)).equals(source)).to.equal(true);
  });

  it('GIVEN an upload WHEN a part is copied from a missing object or from a range past its end THEN NoSuchKey and InvalidArgument are answered', async () => {
    await s3().send(new PutObjectCommand({ Bucket: Bucket(), Key: 'multipart/short.bin', Body: randomBytes(100) }));
    const Key = 'multipart/refused.bin';
    const UploadId = await start(Key);
    const copyPart = (from: string, CopySourceRange?: string) =>
      s3().send(
        new UploadPartCopyCommand({
          Bucket: Bucket(),
          Key,
          UploadId,
          PartNumber: 1,
          CopySource: `${Bucket()}/${from}`,
          CopySourceRange,
        }),
      );

    expect(await s3ErrorOf(copyPart('multipart/missing.bin'))).to.equal('NoSuchKey');
    expect(await s3ErrorOf(copyPart('multipart/short.bin', 'bytes=50-100'))).to.equal('InvalidArgument');
    expect((await copyPart('multipart/short.bin', 'bytes=50-99')).CopyPartResult?.ETag).to.match(/^"[0-9a-f]{32}"$/);
  });

  it('GIVEN an object above the single-copy limit WHEN it is copied server-side THEN the parts are copied range by range and the copy holds the same bytes with the given content type and metadata', async () => {
    const source = randomBytes(12 * MiB + 7);
    await s3().send(new PutObjectCommand({ Bucket: Bucket(), Key: 'multipart/large source.bin', Body: source }));

    await copyObjectServerSide(
      s3(),
      {
        from: { bucket: Bucket(), key: 'multipart/large source.bin' },
        to: { bucket: Bucket(), key: 'multipart/large copy.bin' },
        size: source.length,
        attributes: { ContentType: 'application/x-ndjson', Metadata: { origin: 'partner-a' } },
      },
      { singleCopyLimit: 10 * MiB, partBytes: 5 * MiB, concurrency: 2 },
    );

    expect((await get('multipart/large copy.bin')).equals(source)).to.equal(true);
    const head = await s3().send(new HeadObjectCommand({ Bucket: Bucket(), Key: 'multipart/large copy.bin' }));
    expect([head.ContentType, head.Metadata, head.ETag]).to.deep.equal([
      'application/x-ndjson',
      { origin: 'partner-a' },
      multipartETag([source.subarray(0, 5 * MiB), source.subarray(5 * MiB, 10 * MiB), source.subarray(10 * MiB)]),
    ]);
  });
});
