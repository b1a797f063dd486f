import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { s3ClientFor, S3RVER_CREDENTIALS } from '../../cli/local/s3-server';
import { createEndpoint } from '../../functions/core/endpoints';
import type { Location } from '../../functions/core/locations';
import { sha256Of, sha256OfFile } from '../fixtures/files';
import { useLocalServers } from '../fixtures/local-servers';

const KIB = 1024;

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
