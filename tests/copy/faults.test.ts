import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expect } from 'chai';
import sinon from 'sinon';
import { s3ClientFor, S3RVER_CREDENTIALS } from '../../cli/local/s3-server';
import { copy, type CopyResult } from '../../functions/core/copy';
import { createEndpoint } from '../../functions/core/endpoints';
import {
  AuthFailedError,
  HostKeyMismatchError,
  HostKeyNotPinnedError,
  InvalidPathError,
  TransferError,
} from '../../functions/core/errors';
import type { Location } from '../../functions/core/locations';
import { SftpSessionPool } from '../../functions/core/sftp/session-pool';
import { startSshd, type LocalSshd } from '../../cli/local/sshd';
import { startCuttingProxy, type CuttingProxy } from '../fixtures/cutting-proxy';
import { sha256OfFile, writeRandomFile } from '../fixtures/files';
import { serveHostKeys, useLocalServers } from '../fixtures/local-servers';
import { rejectionOf } from '../fixtures/rejections';

const MiB = 1024 * 1024;

const failureOf = (promise: Promise<unknown>) => rejectionOf(promise, TransferError);

function partFilesIn(directory: string): Promise<string[]> {
  return readdir(directory).then((names) => names.filter((name) => name.endsWith('.fileflow-part')));
}

/** An S3 client of the local server that records the commands it sends and the multipart upload it starts. */
function recordingS3Client(endpoint: string): {
  client: S3Client;
  commands: string[];
  uploadId: () => string | undefined;
} {
  const commands: string[] = [];
  let uploadId: string | undefined;
  const client = s3ClientFor(endpoint, S3RVER_CREDENTIALS);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName as string);
      const result = await next(args);
      if (context.commandName === 'CreateMultipartUploadCommand') {
        uploadId = (result.output as { UploadId?: string }).UploadId;
      }
      return result;
    },
    { step: 'initialize' },
  );
  return { client, commands, uploadId: () => uploadId };
}

/** Sends a part to `uploadId` of `key`; the name of S3's answer (`NoSuchUpload` once the upload is aborted). */
async function latePartAnswer(
  s3: S3Client,
  bucket: string,
  key: string,
  uploadId: string | undefined,
): Promise<string> {
  const late = s3.send(
    new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: 'late part' }),
  );
  return (await rejectionOf(late, S3ServiceException)).name;
}

describe('fileflow copy engine: faults', function () {
  const servers = useLocalServers();
  const endpoint = (location: Location) => createEndpoint(location, { s3: servers.s3Client, sftpPool: servers.pool });
  let proxy: CuttingProxy | undefined;

  before(async () => {
    await writeRandomFile(join(servers.sftpRoot, 'faults', 'source.bin'), 32 * MiB);
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  describe('a connection cut mid-transfer', () => {
    it('GIVEN an SFTP target whose connection breaks after 4 MiB WHEN copying 32 MiB over an existing file THEN the error is transient and names the target, the old file is untouched and no temporary file is left', async () => {
      const finalPath = join(servers.sftpRoot, 'faults', 'cut-target.bin');
      await writeFile(finalPath, 'previous content');
      proxy = await startCuttingProxy({ targetPort: servers.sshd.port, cutAfterBytes: 4 * MiB, direction: 'upstream' });
      const source = endpoint(servers.sftpLocation('faults/source.bin') as Location);
      const target = endpoint(servers.sftpLocation('faults/cut-target.bin', { port: proxy.port }) as Location);

      const failure = await failureOf(copy(source, target));

      expect(proxy.cuts()).to.equal(1);
      expect(failure.transient, `${failure.code}: ${failure.message}`).to.equal(true);
      expect(failure.code).to.equal('CONNECTION_LOST');
      expect(failure.message.startsWith(`${target.uri}: `), failure.message).to.equal(true);
      expect(await readFile(finalPath, 'utf8')).to.equal('previous content');
      expect(await partFilesIn(join(servers.sftpRoot, 'faults'))).to.deep.equal([]);
    });

    it('GIVEN an SFTP source whose connection breaks after 20 MiB WHEN copying to S3 THEN the error is transient and names the source, the multipart upload is aborted (the server no longer knows it) and no object exists', async () => {
      proxy = await startCuttingProxy({
        targetPort: servers.sshd.port,
        cutAfterBytes: 20 * MiB,
        direction: 'downstream',
      });
      const { client: s3Client, commands, uploadId } = recordingS3Client(servers.s3.endpoint);
      const source = createEndpoint(servers.sftpLocation('faults/source.bin', { port: proxy.port }) as Location, {
        sftpPool: servers.pool,
      });
      const target = createEndpoint(servers.s3Location('faults/aborted.bin'), { s3: s3Client });

      const failure = await failureOf(copy(source, target));

      expect(failure.transient, `${failure.code}: ${failure.message}`).to.equal(true);
      expect(failure.message.startsWith(`${source.uri}: `), failure.message).to.equal(true);
      expect(commands).to.include('CreateMultipartUploadCommand');
      expect(commands).to.include('AbortMultipartUploadCommand');
      expect(commands).not.to.include('CompleteMultipartUploadCommand');
      // The server no longer knows the upload: its parts are gone.
      expect(await latePartAnswer(servers.s3Client, servers.bucket, 'faults/aborted.bin', uploadId())).to.equal(
        'NoSuchUpload',
      );
      const head = servers.s3Client.send(new HeadObjectCommand({ Bucket: servers.bucket, Key: 'faults/aborted.bin' }));
      await head.then(
        () => expect.fail('no object may exist after an aborted upload'),
        (error: { name: string }) => expect(error.name).to.equal('NotFound'),
      );
      s3Client.destroy();
    });
  });

  describe('a copy stopped on purpose', () => {
    it('GIVEN a 32 MiB SFTP to SFTP copy over an existing file WHEN it is stopped once 4 MiB have passed THEN it fails with the reason it was stopped for, the old file is untouched and no temporary file is left', async () => {
      const finalPath = join(servers.sftpRoot, 'faults', 'stopped-target.bin');
      await writeFile(finalPath, 'previous content');
      const stopping = new AbortController();

      const failure = await failureOf(
        copy(
          endpoint(servers.sftpLocation('faults/source.bin') as Location),
          endpoint(servers.sftpLocation('faults/stopped-target.bin') as Location),
          {
            signal: stopping.signal,
            onProgress: (bytes) => bytes > 4 * MiB && stopping.abort(new Error('stopped by the operator')),
          },
        ),
      );

      expect(failure.message).to.include('stopped by the operator');
      expect(await readFile(finalPath, 'utf8')).to.equal('previous content');
      expect(await partFilesIn(join(servers.sftpRoot, 'faults'))).to.deep.equal([]);
    });

    it('GIVEN a 32 MiB SFTP to S3 copy WHEN it is stopped once 12 MiB have passed THEN its multipart upload is aborted (the server no longer knows it) and no object exists', async () => {
      const { client: s3Client, uploadId } = recordingS3Client(servers.s3.endpoint);
      const stopping = new AbortController();

      const failure = await failureOf(
        copy(
          endpoint(servers.sftpLocation('faults/source.bin') as Location),
          createEndpoint(servers.s3Location('faults/stopped.bin'), { s3: s3Client }),
          { signal: stopping.signal, onProgress: (bytes) => bytes > 12 * MiB && stopping.abort() },
        ),
      );

      expect(failure.message).to.match(/abort/i);
      expect(uploadId(), 'a multipart upload was started').to.be.a('string');
      expect(await latePartAnswer(servers.s3Client, servers.bucket, 'faults/stopped.bin', uploadId())).to.equal(
        'NoSuchUpload',
      );
      const listed = await servers.s3Client.send(
        new ListObjectsV2Command({ Bucket: servers.bucket, Prefix: 'faults/stopped' }),
      );
      expect(listed.KeyCount).to.equal(0);
      s3Client.destroy();
    });

    it('GIVEN a signal stopped before the copy starts WHEN copying THEN nothing is opened or written', async () => {
      const stopping = new AbortController();
      stopping.abort(new Error('stopped before it began'));
      const failure = await failureOf(
        copy(
          endpoint(servers.sftpLocation('faults/source.bin') as Location),
          endpoint(servers.sftpLocation('faults/never-started.bin') as Location),
          { signal: stopping.signal },
        ),
      );
      expect(failure.message).to.include('stopped before it began');
      expect(existsSync(join(servers.sftpRoot, 'faults', 'never-started.bin'))).to.equal(false);
    });
  });

  describe('host keys', () => {
    it('GIVEN a pinned fingerprint that is not the server key WHEN copying THEN HostKeyMismatchError is raised and nothing is written', async () => {
      const wrongPin = `SHA256:${'A'.repeat(43)}`;
      const target = endpoint(
        servers.sftpLocation('faults/mismatch.bin', { hostKey: { fingerprint: wrongPin } }) as Location,
      );

      const failure = await failureOf(copy(endpoint(servers.sftpLocation('faults/source.bin') as Location), target));

      expect(failure).to.be.instanceOf(HostKeyMismatchError);
      expect(failure.code).to.equal('HOST_KEY_MISMATCH');
      expect(failure.transient).to.equal(false);
      expect(failure.message).to.include(servers.sshd.hostKeyFingerprint);
      expect(failure.message.startsWith(`${target.uri}: `), failure.message).to.equal(true);
      expect(existsSync(join(servers.sftpRoot, 'faults', 'mismatch.bin'))).to.equal(false);
    });

    it('GIVEN a known_hosts line with another key for the host WHEN copying THEN HostKeyMismatchError is raised', async () => {
      const [type, key] = ['ssh-ed25519', otherPublicKey(servers.dir)];
      const knownHosts = `[127.0.0.1]:${servers.sshd.port} ${type} ${key}\n`;
      const target = endpoint(servers.sftpLocation('faults/mismatch2.bin', { hostKey: { knownHosts } }) as Location);

      const failure = await failureOf(copy(endpoint(servers.sftpLocation('faults/source.bin') as Location), target));

      expect(failure).to.be.instanceOf(HostKeyMismatchError);
      expect(existsSync(join(servers.sftpRoot, 'faults', 'mismatch2.bin'))).to.equal(false);
    });

    it('GIVEN the server known_hosts line pinned WHEN copying THEN the transfer succeeds', async () => {
      const location = servers.sftpLocation('faults/known-hosts.bin', {
        hostKey: { knownHosts: `${servers.sshd.knownHostsLine}\n` },
      });
      const result = await copy(
        endpoint(servers.sftpLocation('faults/source.bin') as Location),
        endpoint(location as Location),
      );
      expect(result.bytes).to.equal(32 * MiB);
    });

    it('GIVEN no pinned host key WHEN copying THEN the connection is refused as not pinned', async () => {
      const location = servers.sftpLocation('faults/unpinned.bin', { hostKey: undefined });
      const failure = await failureOf(
        copy(endpoint(servers.sftpLocation('faults/source.bin') as Location), endpoint(location as Location)),
      );
      expect(failure).to.be.instanceOf(HostKeyNotPinnedError);
      expect(failure.transient).to.equal(false);
    });

    it('GIVEN the insecure switch WHEN copying to an unpinned server THEN it works and says so loudly', async () => {
      const warn = sinon.spy();
      const pool = new SftpSessionPool({ warn });
      const location = servers.sftpLocation('faults/insecure.bin', {
        hostKey: undefined,
        insecureAcceptAnyHostKey: true,
      });
      const source = createEndpoint(servers.sftpLocation('faults/source.bin') as Location, { sftpPool: pool });
      await copy(source, createEndpoint(location as Location, { sftpPool: pool }));
      await pool.close();
      expect(warn.calledWithMatch(/INSECURE/)).to.equal(true);
    });
  });

  describe('credentials and paths', () => {
    it('GIVEN a private key the server does not know WHEN copying THEN a permanent AuthFailedError is raised', async () => {
      const stranger = join(servers.dir, 'stranger_ed25519');
      if (!existsSync(stranger)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
      const location = servers.sftpLocation('faults/auth.bin', { auth: { privateKey: { file: stranger } } });
      const failure = await failureOf(
        copy(endpoint(servers.sftpLocation('faults/source.bin') as Location), endpoint(location as Location)),
      );
      expect(failure).to.be.instanceOf(AuthFailedError);
      expect(failure.code).to.equal('AUTH_FAILED');
      expect(failure.transient).to.equal(false);
    });

    for (const path of ['../outside.bin', 'a/../../outside.bin', '/etc/passwd', 'bad\u0000name', 'bad\nname']) {
      it(`GIVEN the path ${JSON.stringify(path)} WHEN building an SFTP endpoint THEN InvalidPathError is raised before connecting`, () => {
        expect(() => endpoint(servers.sftpLocation(path) as Location)).to.throw(InvalidPathError);
      });
    }

    it('GIVEN an S3 key with a .. segment WHEN building an S3 endpoint THEN InvalidPathError is raised', () => {
      expect(() => endpoint(servers.s3Location('a/../b'))).to.throw(InvalidPathError);
    });

    it('GIVEN a missing source WHEN copying THEN a permanent NOT_FOUND error names the source', async () => {
      const source = endpoint(servers.sftpLocation('faults/missing.bin') as Location);
      const failure = await failureOf(copy(source, endpoint(servers.s3Location('faults/never.bin'))));
      expect(failure.code).to.equal('NOT_FOUND');
      expect(failure.transient).to.equal(false);
      expect(failure.message).to.equal(`${source.uri}: No such file`);
    });

    it('GIVEN a target bucket that does not exist WHEN copying THEN a permanent NOT_FOUND error names the target', async () => {
      const target = endpoint({ type: 's3', bucket: 'no-such-bucket', key: 'faults/never.bin' });
      const failure = await failureOf(copy(endpoint(servers.sftpLocation('faults/source.bin') as Location), target));
      expect(failure.code).to.equal('NOT_FOUND');
      expect(failure.transient).to.equal(false);
      expect(failure.message.startsWith(`s3://no-such-bucket/faults/never.bin: `), failure.message).to.equal(true);
    });

    it('GIVEN an SFTP source that is a directory WHEN copying THEN a permanent INVALID_PATH error names it and no object is written', async () => {
      await mkdir(join(servers.sftpRoot, 'faults', 'a-directory'), { recursive: true });
      const source = endpoint(servers.sftpLocation('faults/a-directory') as Location);
      const failure = await failureOf(copy(source, endpoint(servers.s3Location('faults/from-directory.bin'))));
      expect(failure).to.be.instanceOf(InvalidPathError);
      expect(failure.transient).to.equal(false);
      expect(failure.message).to.equal(`${source.uri}: a directory, not a file`);
      const listed = await servers.s3Client.send(
        new ListObjectsV2Command({ Bucket: servers.bucket, Prefix: 'faults/from-directory' }),
      );
      expect(listed.KeyCount).to.equal(0);
    });

    it('GIVEN an SFTP target path where a directory stands WHEN copying 32 MiB to it THEN a permanent INVALID_PATH error names it before any of the file is sent, and the directory is left as it was', async () => {
      const directory = join(servers.sftpRoot, 'faults', 'in-the-way');
      await mkdir(directory, { recursive: true });
      await writeFile(join(directory, 'kept.txt'), 'kept');
      // Cuts the connection once 1 MiB has gone up: a copy that sent the file first would be cut.
      proxy = await startCuttingProxy({ targetPort: servers.sshd.port, cutAfterBytes: MiB, direction: 'upstream' });
      const target = endpoint(servers.sftpLocation('faults/in-the-way', { port: proxy.port }) as Location);

      const failure = await failureOf(copy(endpoint(servers.sftpLocation('faults/source.bin') as Location), target));

      expect(failure).to.be.instanceOf(InvalidPathError);
      expect(failure.transient).to.equal(false);
      expect(failure.message).to.equal(`${target.uri}: a directory, not a file`);
      expect(proxy.cuts()).to.equal(0);
      expect(await readdir(directory)).to.deep.equal(['kept.txt']);
      expect(await partFilesIn(join(servers.sftpRoot, 'faults'))).to.deep.equal([]);
    });
  });
});

describe('fileflow copy engine: host key rotation on a server with two host keys', function () {
  this.timeout(60_000);
  const servers = useLocalServers();
  const sshdDir = () => join(servers.dir, 'sshd');
  let oldKey: { file: string; fingerprint: string };
  let newKey: { file: string; fingerprint: string };

  before(async () => {
    const file = join(sshdDir(), 'ssh_host_ecdsa_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', file]);
    const fingerprintOf = (path: string) =>
      execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`])
        .toString()
        .split(' ')[1]!;
    oldKey = { file: join(sshdDir(), 'ssh_host_ed25519_key'), fingerprint: servers.sshd.hostKeyFingerprint };
    newKey = { file, fingerprint: fingerprintOf(file) };
    expect(fingerprintOf(oldKey.file)).to.equal(oldKey.fingerprint);
    await writeRandomFile(join(servers.sftpRoot, 'rotation', 'source.bin'), 64 * 1024);
  });

  /** Copies over a new connection (its own session pool), so every attempt checks the key the server shows now. */
  async function copyPinned(fingerprint: string | string[], name: string) {
    const pool = new SftpSessionPool();
    try {
      const pinned = (path: string) =>
        createEndpoint(servers.sftpLocation(path, { hostKey: { fingerprint } }) as Location, { sftpPool: pool });
      return await copy(pinned('rotation/source.bin'), pinned(`rotation/${name}`));
    } finally {
      await pool.close();
    }
  }

  it('GIVEN the server offers its old and new keys WHEN a copy pins both fingerprints THEN it succeeds, and pinning only a key the server does not show is refused', async () => {
    await serveHostKeys(servers, [oldKey.file, newKey.file]);

    const result = await copyPinned([newKey.fingerprint, oldKey.fingerprint], 'both-offered.bin');
    expect(result.bytes).to.equal(64 * 1024);

    // The client prefers ed25519, so this server shows its old key: the new one alone does not match.
    const failure = await failureOf(copyPinned([newKey.fingerprint], 'new-only.bin'));
    expect(failure).to.be.instanceOf(HostKeyMismatchError);
    expect(failure.message).to.include(oldKey.fingerprint);
    expect(existsSync(join(servers.sftpRoot, 'rotation', 'new-only.bin'))).to.equal(false);
  });

  it('GIVEN the server has dropped its old key WHEN a copy pins the old and the new fingerprint THEN it succeeds, and the old one alone is refused', async () => {
    await serveHostKeys(servers, [newKey.file]);

    const result = await copyPinned([oldKey.fingerprint, newKey.fingerprint], 'after-rotation.bin');
    expect(result.bytes).to.equal(64 * 1024);

    const failure = await failureOf(copyPinned(oldKey.fingerprint, 'old-only.bin'));
    expect(failure).to.be.instanceOf(HostKeyMismatchError);
    expect(failure.message).to.include(newKey.fingerprint);
  });
});

/** The base64 blob of a freshly generated ed25519 public key (not the server's). */
function otherPublicKey(dir: string): string {
  const path = join(dir, 'other_host_ed25519');
  if (!existsSync(path)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  return execFileSync('cat', [`${path}.pub`])
    .toString()
    .split(' ')[1]!;
}

describe('fileflow copy engine: what targets record', function () {
  const servers = useLocalServers();
  const endpoint = (location: Location) => createEndpoint(location, { s3: servers.s3Client, sftpPool: servers.pool });

  it('GIVEN an S3 target with tags, metadata and a storage class WHEN a 12 MiB file is copied THEN the object carries them with its sha256', async () => {
    const sha256 = await writeRandomFile(join(servers.sftpRoot, 'record', 'in.bin'), 12 * MiB);
    const target = servers.s3Location('record/out.bin', {
      tags: { flow: 'daily' },
      metadata: { origin: 'partner-a' },
      storageClass: 'STANDARD_IA',
      contentType: 'application/octet-stream',
    });

    await copy(endpoint(servers.sftpLocation('record/in.bin') as Location), endpoint(target));

    const head = await servers.s3Client.send(new HeadObjectCommand({ Bucket: servers.bucket, Key: 'record/out.bin' }));
    expect(head.Metadata).to.deep.equal({ origin: 'partner-a', sha256 });
    const tagging = await servers.s3Client.send(
      new GetObjectTaggingCommand({ Bucket: servers.bucket, Key: 'record/out.bin' }),
    );
    expect(tagging.TagSet).to.deep.equal([{ Key: 'flow', Value: 'daily' }]);
  });

  it('GIVEN an S3 object with metadata, a content type and no recorded sha256 WHEN copied to S3 with tags THEN the copy keeps them, records the sha256 and carries the tags', async () => {
    const body = Buffer.alloc(7 * MiB, 'fileflow');
    const sha256 = createHash('sha256').update(body).digest('hex');
    await servers.s3Client.send(
      new PutObjectCommand({
        Bucket: servers.bucket,
        Key: 'record/source.csv',
        Body: body,
        ContentType: 'text/csv',
        CacheControl: 'no-cache',
        Metadata: { origin: 'partner-b' },
      }),
    );

    const result = await copy(
      endpoint(servers.s3Location('record/source.csv')),
      endpoint(servers.s3Location('record/copied.csv', { tags: { flow: 'weekly' } })),
    );

    expect(result.sha256).to.equal(sha256);
    const head = await servers.s3Client.send(
      new HeadObjectCommand({ Bucket: servers.bucket, Key: 'record/copied.csv' }),
    );
    expect(head).to.include({ ContentType: 'text/csv', CacheControl: 'no-cache', ContentLength: body.length });
    expect(head.Metadata).to.deep.equal({ origin: 'partner-b', sha256 });
    const tagging = await servers.s3Client.send(
      new GetObjectTaggingCommand({ Bucket: servers.bucket, Key: 'record/copied.csv' }),
    );
    expect(tagging.TagSet).to.deep.equal([{ Key: 'flow', Value: 'weekly' }]);
  });

  it('GIVEN an S3 object whose recorded sha256 is not the expected one WHEN copied to S3 THEN a permanent CHECKSUM_MISMATCH names the source and no target exists', async () => {
    await servers.s3Client.send(
      new PutObjectCommand({
        Bucket: servers.bucket,
        Key: 'record/recorded.bin',
        Body: Buffer.from('bytes'),
        Metadata: { sha256: createHash('sha256').update('bytes').digest('hex') },
      }),
    );
    const source = endpoint(servers.s3Location('record/recorded.bin'));
    const failure = await failureOf(
      copy(source, endpoint(servers.s3Location('record/unverified.bin')), {
        expectedSha256: 'e'.repeat(64),
      }),
    );
    expect(failure.code).to.equal('CHECKSUM_MISMATCH');
    expect(failure.message.startsWith(`${source.uri}: `), failure.message).to.equal(true);
    const listed = await servers.s3Client.send(
      new ListObjectsV2Command({ Bucket: servers.bucket, Prefix: 'record/unverified' }),
    );
    expect(listed.KeyCount).to.equal(0);
  });

  it('GIVEN an expected SHA-256 the bytes do not have WHEN copying to SFTP THEN a permanent CHECKSUM_MISMATCH names the source and the final name stays empty', async () => {
    await writeRandomFile(join(servers.sftpRoot, 'record', 'small.bin'), 4096);
    const source = endpoint(servers.sftpLocation('record/small.bin') as Location);
    const failure = await failureOf(
      copy(source, endpoint(servers.sftpLocation('record/checked.bin') as Location), {
        expectedSha256: '0'.repeat(64),
      }),
    );
    expect(failure.code).to.equal('CHECKSUM_MISMATCH');
    expect(failure.transient).to.equal(false);
    expect(failure.message.startsWith(`${source.uri}: `), failure.message).to.equal(true);
    expect(existsSync(join(servers.sftpRoot, 'record', 'checked.bin'))).to.equal(false);
    expect(await partFilesIn(join(servers.sftpRoot, 'record'))).to.deep.equal([]);
  });
});

describe('fileflow copy engine: the connection lost at a rename or a removal', function () {
  this.timeout(60_000);
  const servers = useLocalServers();
  const endpoint = (location: Location) => createEndpoint(location, { s3: servers.s3Client, sftpPool: servers.pool });
  const SFTP_SERVER = '/usr/lib/openssh/sftp-server';
  const RELAY = join(__dirname, '..', 'fixtures', 'sftp-relay.cjs');
  let sshd: LocalSshd | undefined;
  let log: string;
  let relays = 0;
  let source: string;

  before(async () => {
    source = await writeRandomFile(join(servers.sftpRoot, 'rename', 'source.bin'), 8 * MiB);
  });
  afterEach(async () => {
    await sshd?.stop();
    sshd = undefined;
  });

  /**
   * An sshd whose SFTP server loses the first rename (`lose-rename`) or removal (`lose-remove`),
   * or its answer (`lose-rename-reply`, `lose-remove-reply`).
   */
  async function relayedTarget(mode: string, path: string): Promise<Location> {
    relays += 1;
    log = join(servers.dir, `relay-${relays}-${mode}.log`);
    sshd = await startSshd({
      dir: join(servers.dir, `sshd-${relays}-${mode}`),
      users: [servers.user],
      sftpServer: [process.execPath, RELAY, SFTP_SERVER, log, mode],
    });
    return servers.sftpLocation(path, {
      port: sshd.port,
      hostKey: { fingerprint: sshd.hostKeyFingerprint },
      auth: { privateKey: { file: sshd.clientKeys[servers.user]! } },
    }) as Location;
  }

  const logged = async () => (await readFile(log, 'utf8')).trim().split('\n');
  /** How many `kind` lines (`write`, `read`, `rename`, `remove`) the relay logged. */
  const countOf = (events: string[], kind: string) => events.filter((event) => event.startsWith(`${kind} `)).length;

  /**
   * The source's bytes are at `finalPath`, written once, renamed `renames` times and read back
   * `reads` times, after one cut; no part file is left.
   */
  async function expectDeliveredOnce(
    result: CopyResult,
    finalPath: string,
    { renames, reads }: { renames: number; reads: number },
  ): Promise<void> {
    expect(result.sha256).to.equal(source);
    expect(await sha256OfFile(finalPath)).to.equal(source);
    const events = await logged();
    const counts = ['write', 'rename', 'read'].map((kind) => countOf(events, kind));
    expect(counts, events.join('\n')).to.deep.equal([1, renames, reads]);
    expect(events).to.include('cut');
    expect(await partFilesIn(join(servers.sftpRoot, 'rename'))).to.deep.equal([]);
  }

  it('GIVEN an SFTP target whose connection drops once the server has renamed the upload into place, before the client hears so, WHEN copying 8 MiB over an existing file THEN the copy succeeds without a second upload or rename (the file found is read back to check it), and the final name holds the new bytes', async () => {
    const finalPath = join(servers.sftpRoot, 'rename', 'landed.bin');
    await writeFile(finalPath, 'previous content');
    const target = endpoint(await relayedTarget('lose-rename-reply', 'rename/landed.bin'));

    const result = await copy(endpoint(servers.sftpLocation('rename/source.bin') as Location), target);

    await expectDeliveredOnce(result, finalPath, { renames: 1, reads: 1 });
  });

  it('GIVEN an SFTP target whose connection drops with the rename of a complete upload on its way WHEN copying 8 MiB THEN the upload is renamed into place over a new connection, neither sent again nor read back', async () => {
    const finalPath = join(servers.sftpRoot, 'rename', 'renamed-later.bin');
    const target = endpoint(await relayedTarget('lose-rename', 'rename/renamed-later.bin'));

    const result = await copy(endpoint(servers.sftpLocation('rename/source.bin') as Location), target);

    await expectDeliveredOnce(result, finalPath, { renames: 2, reads: 0 });
  });

  it('GIVEN an SFTP target whose connection drops at the rename while something on the server removes the upload WHEN copying 8 MiB over a file of the same size THEN the error is transient and the old file is left as it was', async () => {
    const finalPath = join(servers.sftpRoot, 'rename', 'same-size.bin');
    const previous = await writeRandomFile(finalPath, 8 * MiB);
    const target = endpoint(await relayedTarget('lose-rename-and-file', 'rename/same-size.bin'));

    const failure = await failureOf(copy(endpoint(servers.sftpLocation('rename/source.bin') as Location), target));

    expect(failure.transient, `${failure.code}: ${failure.message}`).to.equal(true);
    expect(failure.code).to.equal('CONNECTION_LOST');
    expect(await sha256OfFile(finalPath)).to.equal(previous);
    expect(await logged()).to.include('cut');
    expect(await partFilesIn(join(servers.sftpRoot, 'rename'))).to.deep.equal([]);
  });

  /** A file of 1 MiB at `path` under the SFTP root, and its SHA-256. */
  async function polledFile(path: string): Promise<string> {
    return writeRandomFile(join(servers.sftpRoot, path), MiB);
  }

  for (const [mode, renames] of [
    ['lose-rename-reply', 1],
    ['lose-rename', 2],
  ] as const) {
    it(`GIVEN an SFTP server whose connection drops ${mode === 'lose-rename' ? 'with the rename on its way' : 'once it has renamed the file, before the client hears so'} WHEN a file is moved to an archive folder THEN the move succeeds and the file is in the archive, whole, and nowhere else`, async () => {
      const sha256 = await polledFile(`move/${mode}/inbox/report.csv`);
      const file = endpoint(await relayedTarget(mode, `move/${mode}/inbox/report.csv`));

      const moved = await file.move(`move/${mode}/archive/report.csv`);

      expect(moved.uri).to.match(new RegExp(`/move/${mode}/archive/report\\.csv$`));
      expect(await sha256OfFile(join(servers.sftpRoot, 'move', mode, 'archive', 'report.csv'))).to.equal(sha256);
      expect(existsSync(join(servers.sftpRoot, 'move', mode, 'inbox', 'report.csv'))).to.equal(false);
      const events = await logged();
      expect(events).to.include('cut');
      expect(countOf(events, 'rename'), events.join('\n')).to.equal(renames);
    });
  }

  // The removal is sent again over a new connection either way; "no such file" there is success.
  for (const [mode, removals] of [
    ['lose-remove-reply', 2],
    ['lose-remove', 2],
  ] as const) {
    it(`GIVEN an SFTP server whose connection drops ${mode === 'lose-remove' ? 'with the removal of a file on its way' : 'once it has removed a file, before the client hears so'} WHEN the file is deleted THEN the deletion succeeds and the file is gone`, async () => {
      await polledFile(`delete/${mode}/inbox/report.csv`);
      const file = endpoint(await relayedTarget(mode, `delete/${mode}/inbox/report.csv`));

      await file.delete();

      expect(existsSync(join(servers.sftpRoot, 'delete', mode, 'inbox', 'report.csv'))).to.equal(false);
      const events = await logged();
      expect(events).to.include('cut');
      expect(countOf(events, 'remove'), events.join('\n')).to.equal(removals);
    });
  }
});
