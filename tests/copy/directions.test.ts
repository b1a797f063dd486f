import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { copy } from '../../functions/core/copy';
import { createEndpoint } from '../../functions/core/endpoints';
import type { Location } from '../../functions/core/locations';
import { sha256OfFile, sha256OfObject, writeRandomFile } from '../fixtures/files';
import { useLocalServers } from '../fixtures/local-servers';

const SIZES = [
  { label: '0 B', bytes: 0 },
  { label: '1 KiB', bytes: 1024 },
  { label: '64 MiB', bytes: 64 * 1024 * 1024 },
];
type Kind = 's3' | 'sftp';
const DIRECTIONS: [Kind, Kind][] = [
  ['s3', 's3'],
  ['s3', 'sftp'],
  ['sftp', 's3'],
  ['sftp', 'sftp'],
];

describe('fileflow copy engine: every direction on real servers', function () {
  const servers = useLocalServers();
  const endpoint = (location: Location) => createEndpoint(location, { s3: servers.s3Client, sftpPool: servers.pool });

  /** Places `bytes` random bytes at a source of `kind`, bypassing the engine; returns location and SHA-256. */
  async function seedSource(kind: Kind, name: string, bytes: number): Promise<{ location: Location; sha256: string }> {
    const local = join(servers.dir, 'seed', name);
    const sha256 = await writeRandomFile(local, bytes);
    if (kind === 'sftp') {
      const path = `sources/${name}`;
      await mkdir(dirname(join(servers.sftpRoot, path)), { recursive: true });
      await copyFile(local, join(servers.sftpRoot, path));
      return { location: servers.sftpLocation(path) as Location, sha256 };
    }
    const key = `sources/${name}`;
    await servers.s3Client.send(
      new PutObjectCommand({
        Bucket: servers.bucket,
        Key: key,
        Body: createReadStream(local),
        ContentLength: bytes,
        ContentType: 'application/x-test',
      }),
    );
    return { location: servers.s3Location(key), sha256 };
  }

  /** Reads the target back without the engine and hashes it. */
  async function readBack(kind: Kind, name: string): Promise<string> {
    if (kind === 'sftp') return sha256OfFile(join(servers.sftpRoot, 'targets', name));
    return sha256OfObject(servers.s3Client, servers.bucket, `targets/${name}`);
  }

  for (const [from, to] of DIRECTIONS) {
    for (const size of SIZES) {
      it(`GIVEN a ${size.label} file on ${from} named with spaces and unicode WHEN copied to ${to} THEN the target holds the same bytes and the result carries their SHA-256`, async function () {
        const name = `dir with space/ünïcødé 文件 ${from}-${to} ${size.bytes}.bin`;
        const source = await seedSource(from, name, size.bytes);
        const target: Location =
          to === 'sftp' ? (servers.sftpLocation(`targets/${name}`) as Location) : servers.s3Location(`targets/${name}`);

        const result = await copy(endpoint(source.location), endpoint(target));

        expect(result.bytes).to.equal(size.bytes);
        expect(result.sha256).to.equal(source.sha256);
        expect(await readBack(to, name)).to.equal(source.sha256);
        if (to === 's3') {
          const head = await servers.s3Client.send(
            new HeadObjectCommand({ Bucket: servers.bucket, Key: `targets/${name}` }),
          );
          expect(head.Metadata?.sha256).to.equal(source.sha256);
          if (from === 's3') expect(head.ContentType).to.equal('application/x-test');
        } else {
          const left = await readdir(dirname(join(servers.sftpRoot, 'targets', name)));
          expect(left.filter((file) => file.endsWith('.fileflow-part'))).to.deep.equal([]);
        }
      });
    }
  }
});
