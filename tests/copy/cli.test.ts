import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { sha256OfFile, sha256OfObject, writeRandomFile } from '../fixtures/files';
import { useLocalServers } from '../fixtures/local-servers';
import { startTcpFaultProxy } from '../faults/support/tcp-fault-proxy';

const run = promisify(execFile);
const FILEFLOW = resolve(__dirname, '../../bin/fileflow.cjs');

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('fileflow copy (command line)', function () {
  const servers = useLocalServers();

  async function fileflow(...args: string[]): Promise<Outcome> {
    return fileflowWith({}, ...args);
  }

  /** `extraEnv` wins over the defaults below; a variable set to `undefined` is left unset. */
  async function fileflowWith(extraEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<Outcome> {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      NODE_NO_WARNINGS: '1',
      ...extraEnv,
    };
    try {
      const { stdout, stderr } = await run(process.execPath, [FILEFLOW, 'copy', ...args], { env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  const sftpUri = (path: string) =>
    `sftp://${servers.user}@127.0.0.1:${servers.sshd.port}${join(servers.sftpRoot, path)}`;

  it('GIVEN a file on SFTP WHEN `fileflow copy --json` sends it to S3 THEN it exits 0 and prints bytes, sha256, seconds, mibPerSecond, source and target', async () => {
    const sha256 = await writeRandomFile(join(servers.sftpRoot, 'cli', 'report 2024 ü.csv'), 3 * 1024 * 1024 + 7);

    const outcome = await fileflow(
      sftpUri('cli/report 2024 ü.csv'),
      `s3://${servers.bucket}/cli/report 2024 ü.csv`,
      '--identity',
      servers.sshd.clientKeys[servers.user]!,
      '--host-key',
      servers.sshd.hostKeyFingerprint,
      '--s3-endpoint',
      servers.s3.endpoint,
      '--json',
    );

    expect(outcome.code, outcome.stderr).to.equal(0);
    const report = JSON.parse(outcome.stdout) as Record<string, unknown>;
    expect(Object.keys(report)).to.have.members(['bytes', 'sha256', 'seconds', 'mibPerSecond', 'source', 'target']);
    expect(report.bytes).to.equal(3 * 1024 * 1024 + 7);
    expect(report.sha256).to.equal(sha256);
    expect(report.target).to.equal(`s3://${servers.bucket}/cli/report 2024 ü.csv`);
    expect(await sha256OfObject(servers.s3Client, servers.bucket, 'cli/report 2024 ü.csv')).to.equal(sha256);
  });

  it("GIVEN targets ending in '/' WHEN `fileflow copy` sends a file to S3 and to SFTP THEN each lands in that folder under the source's own name", async () => {
    const sha256 = await writeRandomFile(join(servers.sftpRoot, 'cli', 'weekly report ü.csv'), 4096);
    const common = [
      '--identity',
      servers.sshd.clientKeys[servers.user]!,
      '--host-key',
      servers.sshd.hostKeyFingerprint,
    ];

    const toS3 = await fileflow(
      sftpUri('cli/weekly%20report%20%C3%BC.csv'),
      `s3://${servers.bucket}/cli/inbox/`,
      ...common,
      '--s3-endpoint',
      servers.s3.endpoint,
      '--json',
    );
    const toSftp = await fileflow(sftpUri('cli/weekly report ü.csv'), sftpUri('cli/outbox/'), ...common, '--json');

    expect(toS3.code, toS3.stderr).to.equal(0);
    expect((JSON.parse(toS3.stdout) as { target: string }).target).to.equal(
      `s3://${servers.bucket}/cli/inbox/weekly report ü.csv`,
    );
    expect(await sha256OfObject(servers.s3Client, servers.bucket, 'cli/inbox/weekly report ü.csv')).to.equal(sha256);
    expect(toSftp.code, toSftp.stderr).to.equal(0);
    expect(await sha256OfFile(join(servers.sftpRoot, 'cli', 'outbox', 'weekly report ü.csv'))).to.equal(sha256);
  });

  it("GIVEN a source ending in '/' and a target folder WHEN `fileflow copy` runs THEN it refuses with a USAGE line", async () => {
    const outcome = await fileflow(
      `s3://${servers.bucket}/cli/`,
      sftpUri('cli/outbox/'),
      '--identity',
      servers.sshd.clientKeys[servers.user]!,
      '--host-key',
      servers.sshd.hostKeyFingerprint,
    );
    expect(outcome.code).to.equal(1);
    expect(outcome.stderr).to.match(/^USAGE: the source s3:\/\/.*\/cli\/ names no file to copy into sftp:/);
  });

  it('GIVEN a pinned host key that the server does not have WHEN `fileflow copy` runs THEN it exits non-zero with one HOST_KEY_MISMATCH line and writes nothing', async () => {
    await writeRandomFile(join(servers.sftpRoot, 'cli', 'source.bin'), 1024);

    const outcome = await fileflow(
      sftpUri('cli/source.bin'),
      sftpUri('cli/never.bin'),
      '--identity',
      servers.sshd.clientKeys[servers.user]!,
      '--host-key',
      `SHA256:${'B'.repeat(43)}`,
    );

    // A permanent failure: retrying cannot help.
    expect(outcome.code).to.equal(1);
    const lines = outcome.stderr.split('\n').filter((line) => line.length > 0);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^HOST_KEY_MISMATCH: /);
    expect(existsSync(join(servers.sftpRoot, 'cli', 'never.bin'))).to.equal(false);
  });

  it('GIVEN an SFTP target whose server refuses connections WHEN `fileflow copy` runs THEN it exits 75 (worth retrying) with one CONNECTION_LOST line naming the target', async () => {
    await writeRandomFile(join(servers.sftpRoot, 'cli', 'unsent.bin'), 1024);
    // A port nothing listens on any more.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const target = `sftp://${servers.user}@127.0.0.1:${closed}/tmp/unsent.bin`;

    const outcome = await fileflow(
      sftpUri('cli/unsent.bin'),
      target,
      '--identity',
      servers.sshd.clientKeys[servers.user]!,
      '--host-key',
      servers.sshd.hostKeyFingerprint,
    );

    expect(outcome.code, outcome.stderr).to.equal(75);
    const lines = outcome.stderr.split('\n').filter((line) => line.length > 0);
    expect(lines).to.have.length(1);
    expect(lines[0]!.startsWith(`CONNECTION_LOST: ${target}: `), lines[0]).to.equal(true);
  });

  it('GIVEN a failing copy on any supported Node WHEN nothing silences warnings THEN stderr holds the one line naming the reason, and nothing else', async () => {
    await writeRandomFile(join(servers.sftpRoot, 'cli', 'quiet.bin'), 1024);

    const outcome = await fileflowWith(
      { NODE_NO_WARNINGS: undefined, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined },
      sftpUri('cli/quiet.bin'),
      `s3://${servers.bucket}/cli/quiet.bin`,
      '--identity',
      servers.sshd.clientKeys[servers.user]!,
      '--host-key',
      `SHA256:${'C'.repeat(43)}`,
      '--s3-endpoint',
      servers.s3.endpoint,
    );

    expect(outcome.code).to.not.equal(0);
    expect(outcome.stderr.split('\n').filter((line) => line.length > 0)).to.have.length(1);
    expect(outcome.stderr).to.match(/^HOST_KEY_MISMATCH: /);
  });

  it('GIVEN --host-key twice, an unknown key and the server key WHEN `fileflow copy` runs THEN either pin is accepted and the copy succeeds', async () => {
    const sha256 = await writeRandomFile(join(servers.sftpRoot, 'cli', 'rotating.bin'), 2048);

    const outcome = await fileflow(
      sftpUri('cli/rotating.bin'),
      sftpUri('cli/rotated.bin'),
      '--identity',
      servers.sshd.clientKeys[servers.user]!,
      '--host-key',
      `SHA256:${'B'.repeat(43)}`,
      '--host-key',
      servers.sshd.hostKeyFingerprint,
      '--json',
    );

    expect(outcome.code, outcome.stderr).to.equal(0);
    expect((JSON.parse(outcome.stdout) as { sha256: string }).sha256).to.equal(sha256);
  });

  it('GIVEN the installed command WHEN it copies over SFTP THEN SSH encryption runs in the native crypto add-on, not the slower pure-JS fallback', async () => {
    const sha256 = await writeRandomFile(join(servers.sftpRoot, 'cli', 'native.bin'), 64 * 1024);
    // Lists, as the command exits, the native add-ons it has loaded.
    const probe = join(await mkdtemp(join(tmpdir(), 'fileflow-addons-')), 'addons.cjs');
    await writeFile(
      probe,
      `process.on('exit', () => {
        const addons = Object.keys(require('node:module')._cache).filter((file) => file.endsWith('.node'));
        process.stderr.write('ADDONS ' + JSON.stringify(addons) + '\\n');
      });`,
    );

    const outcome = await fileflowWith(
      { NODE_OPTIONS: `--require ${probe}` },
      sftpUri('cli/native.bin'),
      sftpUri('cli/native copy.bin'),
      '--identity',
      servers.sshd.clientKeys[servers.user]!,
      '--host-key',
      servers.sshd.hostKeyFingerprint,
      '--json',
    );

    expect(outcome.code, outcome.stderr).to.equal(0);
    expect((JSON.parse(outcome.stdout) as { sha256: string }).sha256).to.equal(sha256);
    const addons = JSON.parse(/^ADDONS (.*)$/m.exec(outcome.stderr)?.[1] ?? '[]') as string[];
    expect(
      addons.some((addon) => addon.endsWith('/sshcrypto.node')),
      outcome.stderr,
    ).to.equal(true);
    await rm(dirname(probe), { recursive: true, force: true });
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`GIVEN a 32 MiB copy to SFTP under way WHEN \`fileflow copy\` gets ${signal} THEN it exits ${signal === 'SIGINT' ? 130 : 143} with one INTERRUPTED line and leaves neither the file nor a temporary file`, async () => {
      await writeRandomFile(join(servers.sftpRoot, 'cli', 'long.bin'), 32 * 1024 * 1024);
      const targetDir = join(servers.sftpRoot, 'cli', `stopped-${signal}`);
      // In front of the target: once 2 MiB of the upload have passed, the command gets the signal.
      const proxy = await startTcpFaultProxy(servers.sshd.port);
      const child = spawn(
        process.execPath,
        [
          FILEFLOW,
          'copy',
          sftpUri('cli/long.bin'),
          `sftp://${servers.user}@127.0.0.1:${proxy.port}${join(targetDir, 'long.bin')}`,
          '--identity',
          servers.sshd.clientKeys[servers.user]!,
          '--host-key',
          servers.sshd.hostKeyFingerprint,
        ],
        { env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      proxy.onceAfter(2 * 1024 * 1024, 'upstream', () => child.kill(signal));
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      await proxy.stop();

      expect(code, stderr).to.equal(signal === 'SIGINT' ? 130 : 143);
      const lines = stderr.split('\n').filter((line) => line.length > 0);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(
        new RegExp(`^INTERRUPTED: stopped by ${signal} before the copy to sftp://.*/long\\.bin completed$`),
      );
      expect(await readdir(targetDir)).to.deep.equal([]);
    });
  }

  it('GIVEN an SFTP location without a pinned host key WHEN `fileflow copy` runs THEN it refuses with a USAGE line', async () => {
    const outcome = await fileflow(
      sftpUri('cli/source.bin'),
      `s3://${servers.bucket}/x`,
      '--identity',
      servers.sshd.clientKeys[servers.user]!,
    );
    expect(outcome.code).to.not.equal(0);
    expect(outcome.stderr).to.match(/^USAGE: .*pinned host key/m);
  });
});
