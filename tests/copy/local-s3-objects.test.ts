import { createHash, randomBytes } from 'node:crypto';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { s3ClientFor, S3RVER_CREDENTIALS } from '../../cli/local/s3-server';
import { useLocalServers } from '../fixtures/local-servers';
import { rejectionOf } from '../fixtures/rejections';

const MiB = 1024 * 1024;
const md5 = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;

describe('the local S3 server: an object changes only once the new one is whole', function () {
  const servers = useLocalServers();
  const bucketDir = () => join(servers.dir, 's3', servers.bucket);
  const put = (key: string, body: Buffer) =>
    servers.s3Client.send(new PutObjectCommand({ Bucket: servers.bucket, Key: key, Body: body }));
  const get = async (key: string) =>
    Buffer.from(
      await (
        await servers.s3Client.send(new GetObjectCommand({ Bucket: servers.bucket, Key: key }))
      ).Body!.transformToByteArray(),
    );
  const head = (key: string) => servers.s3Client.send(new HeadObjectCommand({ Bucket: servers.bucket, Key: key }));
  const listed = async (prefix: string) =>
    (
      (await servers.s3Client.send(new ListObjectsV2Command({ Bucket: servers.bucket, Prefix: prefix }))).Contents ?? []
    ).map((object) => [object.Key, object.Size, object.ETag]);
  let quietClient: S3Client;
  before(() => {
    quietClient = s3ClientFor(servers.s3.endpoint, S3RVER_CREDENTIALS, {
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });
  });
  after(() => quietClient?.destroy());
  const filesIn = async (folder: string) => (await readdir(join(bucketDir(), folder))).sort();

  /** Resolves once some file of the server's bucket starts with `bytes` and is at least as long. */
  async function serverHolds(folder: string, bytes: Buffer): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      for (const name of await filesIn(folder)) {
        const file = await open(join(bucketDir(), folder, name));
        try {
          const { size } = await file.stat();
          const { buffer } = await file.read(Buffer.alloc(64), 0, 64, 0);
          if (size >= bytes.length && buffer.equals(bytes.subarray(0, 64))) return;
        } finally {
          await file.close();
        }
      }
      if (Date.now() > deadline) throw new Error('the server never received the first half of the upload');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Starts an upload of `size` bytes under `key` whose body the test sends piece by piece. */
  function slowUpload(key: string, size: number, abortSignal?: AbortSignal) {
    const body = new PassThrough();
    // The SDK warns on the console about a streamed upload that fails, unless given a logger.
    const client = abortSignal ? quietClient : servers.s3Client;
    const sent = client.send(
      new PutObjectCommand({ Bucket: servers.bucket, Key: key, Body: body, ContentLength: size }),
      { abortSignal },
    );
    sent.catch(() => undefined);
    return { body, sent };
  }

  it('GIVEN an object WHEN an upload over it is half sent THEN reads, HEAD and listings answer the old object whole; once all is sent, the new one', async () => {
    const old = randomBytes(1 * MiB);
    const replacement = randomBytes(2 * MiB);
    await put('whole/replaced.bin', old);
    const baseline = await filesIn('whole');

    const upload = slowUpload('whole/replaced.bin', replacement.length);
    upload.body.write(replacement.subarray(0, MiB));
    await serverHolds('whole', replacement.subarray(0, MiB));

    expect((await get('whole/replaced.bin')).equals(old)).to.equal(true);
    const during = await head('whole/replaced.bin');
    expect([during.ContentLength, during.ETag]).to.deep.equal([MiB, md5(old)]);
    expect(await listed('whole/')).to.deep.equal([['whole/replaced.bin', MiB, md5(old)]]);

    upload.body.end(replacement.subarray(MiB));
    await upload.sent;
    expect((await get('whole/replaced.bin')).equals(replacement)).to.equal(true);
    expect((await head('whole/replaced.bin')).ETag).to.equal(md5(replacement));
    expect(await filesIn('whole')).to.deep.equal(baseline);
  });

  it('GIVEN an object WHEN an upload over it breaks off halfway THEN the object is left as it was, and nothing of the upload stays on the server', async () => {
    const old = randomBytes(1 * MiB);
    const replacement = randomBytes(2 * MiB);
    await put('broken/replaced.bin', old);
    const baseline = await filesIn('broken');
    const abort = new AbortController();

    const upload = slowUpload('broken/replaced.bin', replacement.length, abort.signal);
    upload.body.write(replacement.subarray(0, MiB));
    await serverHolds('broken', replacement.subarray(0, MiB));
    abort.abort();
    const failure = await upload.sent.then(
      () => undefined,
      (error: Error) => error,
    );

    expect(failure?.name).to.equal('AbortError');
    expect((await get('broken/replaced.bin')).equals(old)).to.equal(true);
    expect(await listed('broken/')).to.deep.equal([['broken/replaced.bin', MiB, md5(old)]]);
    const deadline = Date.now() + 10_000;
    while ((await filesIn('broken')).length !== baseline.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await filesIn('broken')).to.deep.equal(baseline);
  });

  for (const directive of ['COPY', 'REPLACE'] as const) {
    it(`GIVEN an object WHEN copied over another object with the ${directive} directive THEN the copy's ETag is the MD5 of its own bytes`, async () => {
      const source = randomBytes(256 * 1024);
      await put(`copies/${directive}/source.bin`, source);
      await put(`copies/${directive}/target.bin`, randomBytes(1000));

      await servers.s3Client.send(
        new CopyObjectCommand({
          Bucket: servers.bucket,
          Key: `copies/${directive}/target.bin`,
          CopySource: `${servers.bucket}/copies/${directive}/source.bin`,
          MetadataDirective: directive,
          ...(directive === 'REPLACE' ? { Metadata: { origin: 'copy' }, ContentType: 'application/x-test' } : {}),
        }),
      );

      const copied = await head(`copies/${directive}/target.bin`);
      expect([copied.ContentLength, copied.ETag]).to.deep.equal([source.length, md5(source)]);
      expect((await get(`copies/${directive}/target.bin`)).equals(source)).to.equal(true);
      if (directive === 'REPLACE') {
        expect([copied.Metadata, copied.ContentType]).to.deep.equal([{ origin: 'copy' }, 'application/x-test']);
      }
    });
  }

  it('GIVEN a 3 MiB object WHEN it is read whole, by a range across 1 MiB boundaries, from an offset to its end, past its end, and an object that does not exist THEN the bytes, InvalidRange and NoSuchKey are answered as S3 does', async () => {
    const bytes = randomBytes(3 * MiB);
    await put('reads/three.bin', bytes);
    const read = async (Range?: string) => {
      const answer = await servers.s3Client.send(
        new GetObjectCommand({ Bucket: servers.bucket, Key: 'reads/three.bin', Range }),
      );
      return [answer.ContentRange, Buffer.from(await answer.Body!.transformToByteArray())] as const;
    };
    const failure = async (promise: Promise<unknown>) => (await rejectionOf(promise, S3ServiceException)).name;

    expect((await read())[1].equals(bytes)).to.equal(true);
    const [across, acrossBytes] = await read(`bytes=${MiB - 5}-${2 * MiB + 4}`);
    expect(across).to.equal(`bytes ${MiB - 5}-${2 * MiB + 4}/${3 * MiB}`);
    expect(acrossBytes.equals(bytes.subarray(MiB - 5, 2 * MiB + 5))).to.equal(true);
    expect((await read(`bytes=${3 * MiB - 10}-`))[1].equals(bytes.subarray(3 * MiB - 10))).to.equal(true);
    expect(await failure(read(`bytes=${3 * MiB}-`))).to.equal('InvalidRange');
    expect(await failure(get('reads/missing.bin'))).to.equal('NoSuchKey');
  });

  /**
   * Overwrites `key` 60 times, in turn with the `versions`, while `read(versions)` runs over and
   * over; resolves with what `read()` returned that was not one version whole, with its own ETag
   * (and SHA-256, when `read()` gives one).
   */
  async function strayReadsWhileOverwritten(
    key: string,
    read: (versions: readonly Buffer[]) => Promise<{ bytes: Buffer; etag?: string; sha256?: string }>,
  ): Promise<string[]> {
    const versions = [Buffer.alloc(256 * 1024, 'a'), Buffer.alloc(1024 * 1024, 'b'), Buffer.alloc(64 * 1024, 'c')];
    await put(key, versions[0]!);
    let writing = true;
    const writer = (async () => {
      for (let round = 0; round < 60; round += 1) await put(key, versions[round % 3]!);
      writing = false;
    })();
    const stray: string[] = [];
    const reader = async () => {
      while (writing) {
        const { bytes, etag, sha256 } = await read(versions);
        const whole = versions.some((version) => version.equals(bytes));
        const ownSha256 = sha256 === undefined || sha256 === createHash('sha256').update(bytes).digest('base64');
        if (!whole || etag !== md5(bytes) || !ownSha256)
          stray.push(`${bytes.length} bytes of ${bytes.subarray(0, 1).toString()}, ETag ${etag}, SHA-256 ${sha256}`);
      }
    };
    await Promise.all([writer, reader(), reader(), reader()]);
    return stray;
  }

  it('GIVEN an object overwritten again and again by versions of other sizes WHEN it is read meanwhile THEN every read answers one whole version with its own ETag, never part of one', async () => {
    const stray = await strayReadsWhileOverwritten('reads/overwritten.bin', async () => {
      const answer = await servers.s3Client.send(
        new GetObjectCommand({ Bucket: servers.bucket, Key: 'reads/overwritten.bin' }),
      );
      return { bytes: Buffer.from(await answer.Body!.transformToByteArray()), etag: answer.ETag };
    });

    expect(stray).to.deep.equal([]);
  });

  it('GIVEN an object overwritten again and again by versions of other sizes WHEN it is copied meanwhile THEN every copy is one whole version with its own ETag', async () => {
    let copies = 0;
    const stray = await strayReadsWhileOverwritten('reads/copied-source.bin', async () => {
      const key = `reads/copy-${(copies += 1)}.bin`;
      const { CopyObjectResult } = await servers.s3Client.send(
        new CopyObjectCommand({
          Bucket: servers.bucket,
          Key: key,
          CopySource: `${servers.bucket}/reads/copied-source.bin`,
        }),
      );
      return { bytes: await get(key), etag: CopyObjectResult?.ETag };
    });

    expect(stray).to.deep.equal([]);
  });

  it('GIVEN an object overwritten again and again by versions of other sizes WHEN it is copied meanwhile with its SHA-256 asked for THEN every copy is one whole version, and the SHA-256 answered is that of its bytes', async () => {
    let copies = 0;
    const stray = await strayReadsWhileOverwritten('reads/hashed-source.bin', async () => {
      const key = `reads/hashed-copy-${(copies += 1)}.bin`;
      const { CopyObjectResult } = await servers.s3Client.send(
        new CopyObjectCommand({
          Bucket: servers.bucket,
          Key: key,
          CopySource: `${servers.bucket}/reads/hashed-source.bin`,
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      const sha256 = CopyObjectResult?.ChecksumSHA256 ?? 'none answered';
      return { bytes: await get(key), etag: CopyObjectResult?.ETag, sha256 };
    });

    expect(stray).to.deep.equal([]);
  });

  it('GIVEN an object overwritten again and again by versions of other sizes WHEN it is copied onto itself meanwhile, its metadata replaced and its SHA-256 asked for THEN the SHA-256 answered is that of the version whose ETag is answered', async () => {
    const stray = await strayReadsWhileOverwritten('reads/rehashed.bin', async (versions) => {
      const { CopyObjectResult } = await servers.s3Client.send(
        new CopyObjectCommand({
          Bucket: servers.bucket,
          Key: 'reads/rehashed.bin',
          CopySource: `${servers.bucket}/reads/rehashed.bin`,
          MetadataDirective: 'REPLACE',
          Metadata: { checked: 'yes' },
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      const etag = CopyObjectResult?.ETag;
      // The copy changes no byte: the version it answers for is the one with its ETag.
      const bytes = versions.find((version) => md5(version) === etag) ?? Buffer.alloc(0);
      return { bytes, etag, sha256: CopyObjectResult?.ChecksumSHA256 ?? 'none answered' };
    });

    expect(stray).to.deep.equal([]);
  });
});
