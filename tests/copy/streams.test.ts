import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { s3ClientFor, S3RVER_CREDENTIALS } from '../../cli/local/s3-server';
import { copy } from '../../functions/core/copy';
import type { Endpoint } from '../../functions/core/endpoint';
import { createEndpoint } from '../../functions/core/endpoints';
import type { Location } from '../../functions/core/locations';
import { sha256Of, sha256OfFile, sha256OfObject, writeRandomFile } from '../fixtures/files';
import { useLocalServers } from '../fixtures/local-servers';

const KIB = 1024;
const MIB = 1024 * KIB;
/** OpenSSH's request size, and how many requests keep 2 MiB in flight. */
const REQUEST_BYTES = 255 * KIB;
const REQUESTS_IN_FLIGHT = 8;

/** Random chunks of the given sizes, and the SHA-256 of all of them. */
function chunksOf(sizes: readonly number[]): { chunks: Buffer[]; sha256: string } {
  const chunks = sizes.map((size) => randomBytes(size));
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return { chunks, sha256: hash.digest('hex') };
}

describe('fileflow copy engine: how bytes are written', function () {
  const servers = useLocalServers();

  it('GIVEN chunks of every size around the SFTP request size WHEN written to SFTP THEN the file holds exactly those bytes in order', async () => {
    // 255 KiB is what OpenSSH takes per WRITE: chunks below, at and above it, and odd sizes that straddle requests.
    const { chunks, sha256 } = chunksOf([1, 17 * KIB, 300 * KIB, 255 * KIB, 3, 255 * KIB, 510 * KIB + 7, 64 * KIB, 1]);
    const target = createEndpoint(servers.sftpLocation('written/gathered.bin') as Location, { sftpPool: servers.pool });

    await target.writeAtomically(Readable.from(chunks));

    expect(await sha256OfFile(join(servers.sftpRoot, 'written/gathered.bin'))).to.equal(sha256);
  });

  it('GIVEN a multipart S3 upload WHEN its parts are sent THEN each is signed without hashing its body again and the object holds the same bytes', async () => {
    const signedPayloads: Record<string, string[]> = {};
    const client = s3ClientFor(servers.s3.endpoint, S3RVER_CREDENTIALS);
    // After signing: what the server is told about each request's body.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const headers = (args.request as { headers: Record<string, string> }).headers;
        (signedPayloads[context.commandName!] ??= []).push(headers['x-amz-content-sha256']!);
        return next(args);
      },
      { step: 'deserialize', name: 'recordSignedPayload' },
    );
    const { chunks, sha256 } = chunksOf(Array.from({ length: 12 }, () => 1024 * KIB));
    const target = createEndpoint(servers.s3Location('written/parts.bin'), { s3: client });

    try {
      await target.writeAtomically(Readable.from(chunks), { size: 12 * 1024 * KIB });
      const object = await client.send(new GetObjectCommand({ Bucket: servers.bucket, Key: 'written/parts.bin' }));

      expect(signedPayloads.UploadPartCommand).to.deep.equal([
        'UNSIGNED-PAYLOAD',
        'UNSIGNED-PAYLOAD',
        'UNSIGNED-PAYLOAD',
      ]);
      expect(await sha256Of(object.Body as Readable)).to.equal(sha256);
      expect(object.Metadata?.sha256).to.equal(sha256);
    } finally {
      client.destroy();
    }
  });
});

describe('fileflow copy engine: an SFTP source reads into the buffers its target hands back', function () {
  const servers = useLocalServers();

  async function sftpSource(path: string, size: number): Promise<{ source: Endpoint; sha256: string }> {
    const sha256 = await writeRandomFile(join(servers.sftpRoot, path), size);
    return { source: createEndpoint(servers.sftpLocation(path) as Location, { sftpPool: servers.pool }), sha256 };
  }

  /** The source, with every chunk its target hands back counted: how many, and how many distinct buffers carried them. */
  function watched(source: Endpoint): { source: Endpoint; handedBack: () => number; buffers: () => number } {
    const seen = new Set<Buffer>();
    let handedBack = 0;
    const openRead = source.openRead.bind(source);
    source.openRead = async () => {
      const opened = await openRead();
      return {
        ...opened,
        recycle: (chunk: Buffer) => {
          handedBack += 1;
          seen.add(chunk);
          opened.recycle!(chunk);
        },
      };
    };
    return { source, handedBack: () => handedBack, buffers: () => seen.size };
  }

  it('GIVEN a reader that hands every chunk back WHEN an 8 MiB file is read THEN the next requests reuse those buffers and every byte arrives in order', async () => {
    const { source, sha256 } = await sftpSource('recycled/read.bin', 8 * MIB + 5);
    const { body, recycle } = await source.openRead();
    const hash = createHash('sha256');
    const buffers = new Set<Buffer>();
    let chunks = 0;

    for await (const chunk of body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      chunks += 1;
      buffers.add(chunk);
      recycle!(chunk);
    }

    expect(hash.digest('hex')).to.equal(sha256);
    expect(chunks).to.equal(Math.ceil((8 * MIB + 5) / REQUEST_BYTES));
    // Each buffer is in a request, waiting in order, or with the consumer: never more than that at once.
    expect(buffers.size).to.be.at.most(REQUESTS_IN_FLIGHT + 2);
  });

  it('GIVEN a chunk handed back twice and a buffer the reader never emitted WHEN reading goes on THEN no buffer ever carries two chunks at once and the bytes are intact', async () => {
    const { source, sha256 } = await sftpSource('recycled/twice.bin', 4 * MIB);
    const { body, recycle } = await source.openRead();
    const hash = createHash('sha256');
    const held: Buffer[] = [];
    let first = true;

    for await (const chunk of body as AsyncIterable<Buffer>) {
      hash.update(chunk);
      if (first) {
        first = false;
        recycle!(chunk);
        recycle!(chunk);
        recycle!(Buffer.alloc(REQUEST_BYTES));
        continue;
      }
      // Kept from here on: a buffer handed out twice would show up twice below, its first bytes overwritten.
      held.push(chunk);
    }

    expect(hash.digest('hex')).to.equal(sha256);
    expect(new Set(held).size).to.equal(held.length);
    const file = await readFile(join(servers.sftpRoot, 'recycled/twice.bin'));
    expect(Buffer.concat(held).equals(file.subarray(REQUEST_BYTES))).to.equal(true);
  });

  // The S3 target holds its first part's chunks before it knows the upload is multipart.
  const cases = [
    { direction: 'SFTP → SFTP', mib: 16, mostBuffers: 2 * REQUESTS_IN_FLIGHT },
    { direction: 'SFTP → S3', mib: 32, mostBuffers: Math.ceil((5 * MIB) / REQUEST_BYTES) + 2 * REQUESTS_IN_FLIGHT },
  ] as const;
  for (const { direction, mib, mostBuffers } of cases) {
    it(`GIVEN a ${direction} copy of ${mib} MiB WHEN it runs THEN the target hands every full chunk back, at most ${mostBuffers} buffers carry them, and the copy is intact`, async () => {
      const name = direction === 'SFTP → SFTP' ? 'to-sftp' : 'to-s3';
      const { source, sha256 } = await sftpSource(`recycled/${name}-source.bin`, mib * MIB);
      const target =
        direction === 'SFTP → SFTP'
          ? createEndpoint(servers.sftpLocation(`recycled/${name}.bin`) as Location, { sftpPool: servers.pool })
          : createEndpoint(servers.s3Location(`recycled/${name}.bin`), { s3: servers.s3Client });
      const watchedSource = watched(source);

      const result = await copy(watchedSource.source, target, {});

      expect(result.sha256).to.equal(sha256);
      expect(watchedSource.handedBack()).to.equal(Math.ceil((mib * MIB) / REQUEST_BYTES));
      expect(watchedSource.buffers()).to.be.at.most(mostBuffers);
      const written =
        direction === 'SFTP → SFTP'
          ? await sha256OfFile(join(servers.sftpRoot, `recycled/${name}.bin`))
          : await sha256OfObject(servers.s3Client, servers.bucket, `recycled/${name}.bin`);
      expect(written).to.equal(sha256);
    });
  }
});
