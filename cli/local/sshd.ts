import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where OpenSSH lives on Debian; sshd refuses to start from a relative path. */
const SSHD = '/usr/sbin/sshd';

/** Options of {@link startSshd}. */
export interface SshdOptions {
  /** Directory for config, host key, client keys and pid file; the caller removes it. */
  readonly dir: string;
  /**
   * Existing accounts that may log in with a generated key. As root any account
   * works (root via `PermitRootLogin prohibit-password`); as anyone else only
   * that user. @default the current user
   */
  readonly users?: readonly string[];
  /**
   * The SFTP server run for every session instead of sshd's own `internal-sftp`, as a command
   * line (the account's shell runs it). Tests stand a relay between client and server this way.
   * @default internal-sftp
   */
  readonly sftpServer?: readonly string[];
}

/** A running sshd that serves SFTP only. */
export interface LocalSshd {
  readonly host: string;
  readonly port: number;
  /** OpenSSH fingerprint of the host key, `SHA256:…`. */
  readonly hostKeyFingerprint: string;
  /** The known_hosts line pinning this server (`[127.0.0.1]:port ssh-ed25519 …`). */
  readonly knownHostsLine: string;
  /** Private key file (OpenSSH format) per user. */
  readonly clientKeys: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * Starts OpenSSH's sshd on 127.0.0.1 at a free port with its own config and a
 * fresh ed25519 host key, `internal-sftp` forced, key authentication only.
 * Resolves once the server answers with its SSH banner.
 */
export async function startSshd(options: SshdOptions): Promise<LocalSshd> {
  const { dir } = options;
  const users = options.users ?? [userInfo().username];
  const authorizedKeys = join(dir, 'authorized_keys');
  await mkdir(authorizedKeys, { recursive: true });
  // The privilege-separation directory, which Debian creates only when the service starts.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const hostKey = join(dir, 'ssh_host_ed25519_key');
  await keygen(hostKey, 'fileflow-local-host');
  const clientKeys: Record<string, string> = {};
  for (const user of users) {
    const key = join(dir, `client_${user}_ed25519`);
    await keygen(key, `fileflow-local-${user}`);
    await writeFile(join(authorizedKeys, user), await readFile(`${key}.pub`));
    clientKeys[user] = key;
  }

  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}/%u`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // Keys and config live in a temporary directory whose modes sshd would otherwise reject.
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      // The default (10:30:100) drops parallel connects from fan-out transfers.
      'MaxStartups 200',
      'MaxSessions 100',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'PrintMotd no',
      'LogLevel ERROR',
      'Subsystem sftp internal-sftp',
      `ForceCommand ${options.sftpServer?.map(shellQuoted).join(' ') ?? 'internal-sftp'}`,
      '',
    ].join('\n'),
  );

  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForBanner(port, child, () => stderr);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }

  const publicKey = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/);
  const blob = Buffer.from(publicKey[1]!, 'base64');
  return {
    host: '127.0.0.1',
    port,
    hostKeyFingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
    knownHostsLine: `[127.0.0.1]:${port} ${publicKey[0]} ${publicKey[1]}`,
    clientKeys,
    stop: () => stopChild(child),
  };
}

function shellQuoted(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

async function keygen(path: string, comment: string): Promise<void> {
  if (existsSync(path)) return;
  // ed25519 in OpenSSH format: ssh2 rejects PKCS#8 ed25519 keys.
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
}

/** Asks the kernel for a free port; sshd binds it a few milliseconds later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForBanner(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}): ${stderr().trim()}`);
    }
    if (await answersWithBanner(port)) return;
    if (Date.now() > deadline) throw new Error(`sshd did not answer on port ${port}: ${stderr().trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether something on 127.0.0.1:`port` answers with an SSH banner within a second. */
export function answersWithBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('data', (data) => done(data.toString().startsWith('SSH-')));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

/** Sends SIGTERM and waits for the process to be gone. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
