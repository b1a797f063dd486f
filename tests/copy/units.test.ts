import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { expect } from 'chai';
import sinon from 'sinon';
import { classifyError, TransferError } from '../../functions/core/errors';
import { Location } from '../../functions/core/locations';
import { resolveUnder } from '../../functions/core/paths';
import { uploadMultipart } from '../../functions/core/s3/multipart-upload';
import { copyObjectServerSide } from '../../functions/core/s3/server-side-copy';
import { hostKeyRefusal, openSshFingerprint } from '../../functions/core/sftp/host-key';
import { SftpPipelinedWriter } from '../../functions/core/sftp/pipelined-streams';

describe('classifyError: raw SDK, ssh2 and socket errors become typed transfer errors', () => {
  const cases: [string, unknown, string, boolean][] = [
    [
      'an S3 NoSuchKey',
      Object.assign(new Error('gone'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }),
      'NOT_FOUND',
      false,
    ],
    [
      'an S3 AccessDenied',
      Object.assign(new Error('no'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      'ACCESS_DENIED',
      false,
    ],
    [
      'an S3 SlowDown',
      Object.assign(new Error('slow'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }),
      'THROTTLED',
      true,
    ],
    [
      'an S3 InternalError',
      Object.assign(new Error('oops'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } }),
      'SERVER_ERROR',
      true,
    ],
    [
      'a bad S3 signature',
      Object.assign(new Error('sig'), { name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } }),
      'AUTH_FAILED',
      false,
    ],
    ['an SDK TimeoutError', Object.assign(new Error('slow socket'), { name: 'TimeoutError' }), 'TIMEOUT', true],
    [
      'ssh2 authentication failure',
      Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }),
      'AUTH_FAILED',
      false,
    ],
    [
      'ssh2 handshake timeout',
      Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }),
      'TIMEOUT',
      true,
    ],
    ['ssh2 host verification failure', new Error('Host denied (verification failed)'), 'HOST_KEY_MISMATCH', false],
    ['an SFTP NO_SUCH_FILE status', Object.assign(new Error('No such file'), { code: 2 }), 'NOT_FOUND', false],
    [
      'an SFTP PERMISSION_DENIED status',
      Object.assign(new Error('Permission denied'), { code: 3 }),
      'ACCESS_DENIED',
      false,
    ],
    ['ssh2 losing the channel', new Error('No response from server'), 'CONNECTION_LOST', true],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'CONNECTION_LOST', true],
    ['something unknown', new Error('what'), 'UNKNOWN', false],
  ];
  for (const [label, raw, code, transient] of cases) {
    it(`GIVEN ${label} WHEN classified THEN it is ${code}, ${transient ? 'transient' : 'permanent'}`, () => {
      const error = classifyError(raw);
      expect(error).to.be.instanceOf(TransferError);
      expect(error.code).to.equal(code);
      expect(error.transient).to.equal(transient);
      expect(error.name).to.match(/Error$/);
      expect(error.cause).to.equal(raw);
    });
  }
});

describe('path safety', () => {
  it('GIVEN unicode and spaces WHEN resolved under a base directory THEN they are kept', () => {
    expect(resolveUnder('/srv/in', 'année 2024/rapport final.csv')).to.equal('/srv/in/année 2024/rapport final.csv');
  });
  it('GIVEN a sibling directory sharing the base prefix WHEN resolved THEN it is an escape', () => {
    expect(() => resolveUnder('/srv/in', '/srv/inbox/x')).to.throw(/escapes/);
  });
});

describe('host key pinning', () => {
  const rawKey = (): Buffer => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const type = Buffer.from('ssh-ed25519');
    const frame = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    return Buffer.concat([frame(type), frame(raw)]);
  };

  it('GIVEN a raw key WHEN fingerprinted THEN it has the OpenSSH SHA256:<unpadded base64> form', () => {
    const key = rawKey();
    expect(openSshFingerprint(key)).to.equal(
      `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`,
    );
    expect(openSshFingerprint(key)).to.match(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('GIVEN a list of pinned fingerprints WHEN a key is presented THEN any listed key is accepted and another is refused naming every pin', () => {
    const [current, next, other] = [rawKey(), rawKey(), rawKey()];
    const fingerprint = [openSshFingerprint(current), openSshFingerprint(next)];
    expect(hostKeyRefusal({ fingerprint }, 'sftp.example.com', 22, current)).to.equal(undefined);
    expect(hostKeyRefusal({ fingerprint }, 'sftp.example.com', 22, next)).to.equal(undefined);
    const refusal = hostKeyRefusal({ fingerprint }, 'sftp.example.com', 22, other);
    expect(refusal).to.include(openSshFingerprint(other)).and.include(`${fingerprint[0]} or ${fingerprint[1]}`);
  });

  it('GIVEN an empty list or a malformed fingerprint in a location WHEN parsed THEN the pin is rejected', () => {
    const location = (fingerprint: unknown) => ({
      type: 'sftp',
      host: 'h',
      username: 'u',
      auth: { password: { file: '/p' } },
      path: 'a',
      hostKey: { fingerprint },
    });
    expect(Location.safeParse(location([])).success).to.equal(false);
    expect(Location.safeParse(location(['SHA256:short'])).success).to.equal(false);
    expect(Location.safeParse(location([openSshFingerprint(rawKey()), openSshFingerprint(rawKey())])).success).to.equal(
      true,
    );
  });

  it('GIVEN a location with several mistakes WHEN parsed THEN each is reported at its field in plain words', () => {
    const result = Location.safeParse({
      type: 'sftp',
      host: 'h',
      port: 70_000,
      username: 'u',
      auth: { privateKey: { secretArn: 'not-an-arn' } },
      path: 'a',
      hostKey: {},
      colour: 'blue',
    });

    expect(result.success).to.equal(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).to.deep.equal([
      ['port', 'Too big: expected number to be <=65535'],
      ['auth.privateKey.secretArn', 'Invalid string: must start with "arn:"'],
      ['hostKey', 'pin a fingerprint or known_hosts lines'],
      ['', 'Unrecognized key: "colour"'],
    ]);
  });

  it('GIVEN a hashed known_hosts entry for [host]:port WHEN the same key is presented THEN it is accepted, and another key is refused', () => {
    const key = rawKey();
    const salt = Buffer.from('0123456789abcdef0123');
    const hashed = createHmac('sha1', salt).update('[sftp.example.com]:2222').digest('base64');
    const knownHosts = `# comment\n|1|${salt.toString('base64')}|${hashed} ssh-ed25519 ${key.subarray(0).toString('base64')}\n`;
    expect(hostKeyRefusal({ knownHosts }, 'sftp.example.com', 2222, key)).to.equal(undefined);
    expect(hostKeyRefusal({ knownHosts }, 'sftp.example.com', 2222, rawKey())).to.match(/does not list/);
    expect(hostKeyRefusal({ knownHosts }, 'other.example.com', 2222, key)).to.match(/no entry/);
  });
});

describe('copyObjectServerSide: S3 copies stay inside S3', () => {
  const client = (fail?: (command: unknown) => boolean) => {
    const send = sinon.stub().callsFake(async (command: unknown) => {
      if (fail?.(command))
        throw Object.assign(new Error('boom'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
      if (command instanceof CreateMultipartUploadCommand) return { UploadId: 'u-1' };
      if (command instanceof UploadPartCopyCommand)
        return { CopyPartResult: { ETag: `"etag-${command.input.PartNumber}"` } };
      return {};
    });
    return { send } as unknown as S3Client & { send: sinon.SinonStub };
  };
  const request = (size: number) => ({
    from: { bucket: 'src', key: 'in/a b.bin' },
    to: { bucket: 'dst', key: 'out/a.bin' },
    size,
    attributes: {
      Metadata: { sha256: 'f'.repeat(64) },
      ContentType: 'text/csv',
      ServerSideEncryption: 'aws:kms' as const,
      SSEKMSKeyId: 'key-1',
    },
  });

  it('GIVEN an object under the single-copy limit WHEN copied THEN one CopyObject REPLACEs metadata and applies the KMS key', async () => {
    const s3 = client();
    await copyObjectServerSide(s3, request(1000));
    expect(s3.send.callCount).to.equal(1);
    const input = (s3.send.firstCall.args[0] as CopyObjectCommand).input;
    expect(input).to.include({
      CopySource: 'src/in/a%20b.bin',
      MetadataDirective: 'REPLACE',
      SSEKMSKeyId: 'key-1',
      ContentType: 'text/csv',
    });
    expect(input.Metadata).to.deep.equal({ sha256: 'f'.repeat(64) });
  });

  it('GIVEN a copy that keeps the source metadata WHEN copied THEN CopyObject uses the COPY directive and still applies the KMS key', async () => {
    const s3 = client();
    await copyObjectServerSide(s3, { ...request(1000), keepSourceMetadata: true });
    const input = (s3.send.firstCall.args[0] as CopyObjectCommand).input;
    expect(input).to.include({ MetadataDirective: 'COPY', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'key-1' });
    expect(input).not.to.have.any.keys('Metadata', 'ContentType');
  });

  it('GIVEN S3 computes the SHA-256 of a copy WHEN copied THEN it is asked for and returned as hex, and a composite one is not taken for the object', async () => {
    const digest = createHash('sha256').update('payload').digest();
    const answering = (ChecksumType: string) =>
      ({
        send: sinon.stub().resolves({ CopyObjectResult: { ChecksumSHA256: digest.toString('base64'), ChecksumType } }),
      }) as unknown as S3Client & { send: sinon.SinonStub };
    const s3 = answering('FULL_OBJECT');

    const outcome = await copyObjectServerSide(s3, { ...request(1000), computeSha256: true });

    expect((s3.send.firstCall.args[0] as CopyObjectCommand).input.ChecksumAlgorithm).to.equal('SHA256');
    expect(outcome.sha256).to.equal(digest.toString('hex'));
    expect((await copyObjectServerSide(answering('COMPOSITE'), request(1000))).sha256).to.equal(undefined);
  });

  it('GIVEN an object above the limit WHEN copied THEN UploadPartCopy covers every byte range once and the upload is completed in part order', async () => {
    const s3 = client();
    await copyObjectServerSide(s3, request(25), { singleCopyLimit: 10, partBytes: 10, concurrency: 3 });
    const commands = s3.send.getCalls().map((call) => call.args[0]);
    const ranges = commands
      .filter((c) => c instanceof UploadPartCopyCommand)
      .map((c) => (c as UploadPartCopyCommand).input.CopySourceRange);
    expect(ranges).to.have.members(['bytes=0-9', 'bytes=10-19', 'bytes=20-24']);
    const complete = commands.find(
      (c) => c instanceof CompleteMultipartUploadCommand,
    ) as CompleteMultipartUploadCommand;
    expect(complete.input.MultipartUpload!.Parts!.map((p) => p.PartNumber)).to.deep.equal([1, 2, 3]);
    expect((commands[0] as CreateMultipartUploadCommand).input).to.include({ SSEKMSKeyId: 'key-1' });
  });

  it('GIVEN a part copy that fails WHEN copied THEN the multipart upload is aborted and a transient error is raised', async () => {
    const s3 = client((command) => command instanceof UploadPartCopyCommand && command.input.PartNumber === 2);
    const failure = await copyObjectServerSide(s3, request(25), { singleCopyLimit: 10, partBytes: 10 }).then(
      () => undefined,
      (error: TransferError) => error,
    );
    expect(failure?.code).to.equal('SERVER_ERROR');
    expect(failure?.transient).to.equal(true);
    expect(s3.send.getCalls().some((call) => call.args[0] instanceof AbortMultipartUploadCommand)).to.equal(true);
  });
});

describe('uploadMultipart: streamed S3 writes from a fixed pool of part buffers', () => {
  const request = { bucket: 'dst', key: 'out/a.bin', attributes: { Metadata: {} }, partBytes: 10, partsInFlight: 2 };
  async function* chunks(sizes: number[]) {
    let byte = 0;
    for (const size of sizes) yield Buffer.from(Array.from({ length: size }, () => byte++ % 256));
  }

  it('GIVEN chunks that straddle parts WHEN uploaded THEN every part but the last is full, at most partsInFlight are stored at once, buffers are reused and parts complete in order', async () => {
    const bodies: Buffer[] = [];
    const backing = new Set<ArrayBufferLike>();
    let active = 0;
    let mostActive = 0;
    const send = sinon.stub().callsFake(async (command: unknown) => {
      if (command instanceof CreateMultipartUploadCommand) return { UploadId: 'u-1' };
      if (command instanceof UploadPartCommand) {
        const body = command.input.Body as Buffer;
        bodies[command.input.PartNumber! - 1] = Buffer.from(body);
        backing.add(body.buffer);
        mostActive = Math.max(mostActive, ++active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active -= 1;
        return { ETag: `"etag-${command.input.PartNumber}"` };
      }
      return {};
    });

    const bytes = await uploadMultipart({ send } as unknown as S3Client, chunks([3, 14, 7, 9, 12]), request);

    expect(bytes).to.equal(45);
    expect(bodies.map((body) => body.length)).to.deep.equal([10, 10, 10, 10, 5]);
    expect(Buffer.concat(bodies)).to.deep.equal(Buffer.from(Array.from({ length: 45 }, (_, i) => i)));
    expect(mostActive).to.equal(2);
    expect(backing.size).to.be.at.most(3);
    const complete = send
      .getCalls()
      .map((call) => call.args[0])
      .find((c) => c instanceof CompleteMultipartUploadCommand);
    expect(
      (complete as CompleteMultipartUploadCommand).input.MultipartUpload!.Parts!.map((p) => p.PartNumber),
    ).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('GIVEN a source that takes its chunks back WHEN uploaded THEN each chunk is handed back once, after its bytes are in a part, so reusing it changes nothing uploaded', async () => {
    const bodies: Buffer[] = [];
    const send = sinon.stub().callsFake(async (command: unknown) => {
      if (command instanceof CreateMultipartUploadCommand) return { UploadId: 'u-1' };
      if (command instanceof UploadPartCommand) {
        bodies[command.input.PartNumber! - 1] = Buffer.from(command.input.Body as Buffer);
        return { ETag: '"e"' };
      }
      return {};
    });
    const emitted: Buffer[] = [];
    const handedBack: Buffer[] = [];
    async function* source() {
      for await (const chunk of chunks([3, 14, 7, 9, 12])) {
        emitted.push(chunk);
        yield chunk;
      }
    }

    await uploadMultipart({ send } as unknown as S3Client, source(), {
      ...request,
      recycle: (chunk) => {
        handedBack.push(chunk);
        chunk.fill(0xff);
      },
    });

    expect(handedBack).to.deep.equal(emitted);
    expect(handedBack.every((chunk, i) => chunk === emitted[i])).to.equal(true);
    expect(Buffer.concat(bodies)).to.deep.equal(Buffer.from(Array.from({ length: 45 }, (_, i) => i)));
  });

  it('GIVEN a part that fails and an abort that fails too WHEN uploaded THEN the upload is not completed and the part failure is thrown', async () => {
    const partFailure = Object.assign(new Error('boom'), { name: 'InternalError' });
    const send = sinon.stub().callsFake(async (command: unknown) => {
      if (command instanceof CreateMultipartUploadCommand) return { UploadId: 'u-1' };
      if (command instanceof UploadPartCommand && command.input.PartNumber === 2) throw partFailure;
      if (command instanceof AbortMultipartUploadCommand) throw new Error('abort failed');
      return { ETag: '"e"' };
    });

    const failure = await uploadMultipart({ send } as unknown as S3Client, chunks([45]), request).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).to.equal(partFailure);
    const commands = send.getCalls().map((call) => call.args[0]);
    expect(commands.some((c) => c instanceof AbortMultipartUploadCommand)).to.equal(true);
    expect(commands.some((c) => c instanceof CompleteMultipartUploadCommand)).to.equal(false);
  });
});

describe('SftpPipelinedWriter: handing chunks back to the source', () => {
  /** An SFTP channel that answers every WRITE at once; `_maxWriteLen` is what ssh2 learned from the server. */
  function channel(maxWriteLen: number | undefined) {
    return {
      ...(maxWriteLen === undefined ? {} : { _maxWriteLen: maxWriteLen }),
      write: (_h: Buffer, _d: Buffer, _o: number, _l: number, _p: number, cb: (error?: Error) => void) =>
        setImmediate(cb),
    };
  }

  async function writeThrough(maxWriteLen: number | undefined): Promise<Buffer[]> {
    const handedBack: Buffer[] = [];
    const writer = new SftpPipelinedWriter(channel(maxWriteLen) as never, Buffer.from('h'), {
      recycle: (chunk) => handedBack.push(chunk),
    });
    for (const size of [300 * 1024, 10, 255 * 1024]) writer.write(Buffer.alloc(size));
    await new Promise<void>((resolve, reject) =>
      writer.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    return handedBack;
  }

  it('GIVEN a server whose request limit ssh2 knows WHEN chunks are written THEN each is handed back once its bytes are sent or copied', async () => {
    expect((await writeThrough(255 * 1024)).map((chunk) => chunk.length)).to.deep.equal([300 * 1024, 10, 255 * 1024]);
  });

  it('GIVEN a server whose request limit is unknown WHEN chunks are written THEN none is handed back, since ssh2 may split a request and read its bytes later', async () => {
    expect(await writeThrough(undefined)).to.deep.equal([]);
  });
});
