import { createHash } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import type { Client, SFTPWrapper } from 'ssh2';
import { classifyError, HostKeyMismatchError, HostKeyNotPinnedError } from '../errors';
import type { SftpLocation } from '../locations';
import { hostKeyRefusal, openSshFingerprint } from './host-key';

/** Resolved SFTP credentials: what ssh2 needs to log in. */
export type SftpCredentials = { readonly privateKey: string } | { readonly password: string };

/** An SFTP session borrowed from the pool; give it back with `release()`. */
export interface SftpSession {
  readonly sftp: SFTPWrapper;
  /** Returns the session to the pool; it stays open for the next transfer to the same server. */
  release(): void;
}

/** Options of {@link SftpSessionPool}. */
export interface SftpSessionPoolOptions {
  /** How long an unused session stays open for reuse. @default 10_000 ms */
  readonly idleMs?: number;
  /** Where loud warnings go (an accepted unpinned host key). @default stderr */
  readonly warn?: (message: string) => void;
  /** SSH connections opened to one server before sessions are shared. @default 4 */
  readonly connectionsPerServer?: number;
  /** Handshake timeout. @default 20_000 ms */
  readonly readyTimeoutMs?: number;
}

interface Connection {
  readonly client: Client;
  readonly sftp: SFTPWrapper;
  alive: boolean;
}

interface PoolEntry {
  connection: Promise<Connection>;
  refs: number;
  idleTimer?: NodeJS.Timeout;
}

/**
 * SSH connections (one SFTP channel each) per (server, user, credentials, pin),
 * reused by every transfer in the process: up to `connectionsPerServer` are
 * opened, then SFTP's request multiplexing shares them, so fan-out to one
 * server costs no handshake per file. Dead connections leave the pool and the
 * next `acquire` reconnects.
 */
export class SftpSessionPool {
  private readonly entries = new Map<string, PoolEntry[]>();
  private readonly connectionsPerServer: number;
  private readonly idleMs: number;
  private readonly warn: (message: string) => void;
  private readonly readyTimeoutMs: number;

  constructor(options: SftpSessionPoolOptions = {}) {
    this.idleMs = options.idleMs ?? 10_000;
    this.warn = options.warn ?? ((message) => process.stderr.write(`WARNING: ${message}\n`));
    this.readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
    this.connectionsPerServer = options.connectionsPerServer ?? 4;
  }

  /**
   * Borrows a session to `location`'s server, connecting (and calling
   * `credentials`) only when none is open. Refuses servers without a pinned
   * host key unless the location explicitly accepts any key.
   */
  async acquire(location: SftpLocation, credentials: () => Promise<SftpCredentials>): Promise<SftpSession> {
    const key = poolKey(location);
    const held = this.pick(key, location, credentials);
    held.refs += 1;
    clearTimeout(held.idleTimer);
    let connection: Connection;
    try {
      connection = await held.connection;
    } catch (error) {
      held.refs -= 1;
      throw classifyError(error);
    }
    if (!connection.alive) {
      held.refs -= 1;
      this.forget(key, held);
      return this.acquire(location, credentials);
    }
    let released = false;
    return {
      sftp: connection.sftp,
      release: () => {
        if (released) return;
        released = true;
        held.refs -= 1;
        if (held.refs === 0) {
          held.idleTimer = setTimeout(() => {
            this.forget(key, held);
            connection.client.end();
          }, this.idleMs).unref();
        }
      },
    };
  }

  /**
   * An idle session if there is one, else a new one while under the limit,
   * else the least busy. Separate connections matter on the server side too:
   * OpenSSH runs one process per connection, so a read and a write to the same
   * server (SFTP→SFTP) use two cores instead of sharing one.
   */
  private pick(key: string, location: SftpLocation, credentials: () => Promise<SftpCredentials>): PoolEntry {
    const entries = this.entries.get(key) ?? [];
    this.entries.set(key, entries);
    const idle = entries.find((entry) => entry.refs === 0);
    if (idle) return idle;
    if (entries.length < this.connectionsPerServer) {
      const created: PoolEntry = { refs: 0, connection: Promise.resolve(undefined as never) };
      created.connection = credentials().then((resolved) =>
        this.connect(location, resolved, () => this.forget(key, created)),
      );
      created.connection.catch(() => this.forget(key, created));
      entries.push(created);
      return created;
    }
    return entries.reduce((least, entry) => (entry.refs < least.refs ? entry : least));
  }

  /** Closes every session; transfers still running on them fail as connection lost. */
  async close(): Promise<void> {
    const entries = [...this.entries.values()].flat();
    this.entries.clear();
    await Promise.all(
      entries.map(async (entry) => {
        clearTimeout(entry.idleTimer);
        const connection = await entry.connection.catch(() => undefined);
        connection?.client.end();
      }),
    );
  }

  private forget(key: string, entry: PoolEntry): void {
    const entries = this.entries.get(key);
    const index = entries?.indexOf(entry) ?? -1;
    if (index >= 0) entries!.splice(index, 1);
  }

  private async connect(
    location: SftpLocation,
    credentials: SftpCredentials,
    onClosed: () => void,
  ): Promise<Connection> {
    const { host, port, username, hostKey } = location;
    if (!hostKey && !location.insecureAcceptAnyHostKey) {
      throw new HostKeyNotPinnedError(
        `no host key pinned for ${host}:${port}; pin a SHA256 fingerprint or known_hosts line`,
      );
    }
    // Without TCP_NODELAY ssh2 crawls at 1–30 MB/s on loopback (Nagle vs. small SSH packets).
    // Connected before ssh2 loads: the server accepts and sends its banner meanwhile, which
    // stays buffered in the paused socket until ssh2 reads it.
    const sock = netConnect({ host, port, noDelay: true });
    let early: Error | undefined;
    const onEarlyError = (error: Error): void => {
      early = error;
    };
    sock.once('error', onEarlyError);
    // Loaded with the first session: a process that never opens one (an S3-only copy) never
    // loads ssh2, ~15 ms of the CLI's start.
    let SshClient: typeof Client;
    try {
      ({ Client: SshClient } = await import('ssh2'));
    } finally {
      sock.off('error', onEarlyError);
    }
    if (early || sock.destroyed) {
      sock.destroy();
      throw classifyError(early ?? new Error(`connection to ${host}:${port} closed before the SSH handshake`));
    }
    return new Promise<Connection>((resolve, reject) => {
      const client = new SshClient();
      let refusal: string | undefined;
      let settled = false;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        client.end();
        reject(refusal !== undefined ? new HostKeyMismatchError(refusal, { cause: error }) : classifyError(error));
      };
      client.on('error', (error) => {
        if (connection) connection.alive = false;
        fail(error);
      });
      client.on('close', () => {
        if (connection) connection.alive = false;
        onClosed();
        fail(new Error('Connection lost before the SFTP session opened'));
      });
      let connection: Connection | undefined;
      client.on('ready', () => {
        client.sftp((error, sftp) => {
          if (error) return fail(error);
          connection = { client, sftp, alive: true };
          settled = true;
          resolve(connection);
        });
      });
      client.connect({
        sock,
        host,
        port,
        username,
        ...credentials,
        // Straight to the one method there are credentials for: ssh2 would first ask with
        // 'none' to learn the server's methods, a round trip of ~10 ms against OpenSSH.
        authHandler: ['privateKey' in credentials ? 'publickey' : 'password'],
        readyTimeout: this.readyTimeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        hostVerifier: (rawKey: Buffer): boolean => {
          if (!hostKey) {
            this.warn(
              `INSECURE: accepting ANY host key for ${host}:${port} (presented ${openSshFingerprint(rawKey)}); ` +
                'never use --insecure-accept-any-host-key outside local experiments',
            );
            return true;
          }
          refusal = hostKeyRefusal(hostKey, host, port, rawKey);
          return refusal === undefined;
        },
      });
    });
  }
}

/** Sessions are shared only between identical server, user, credential source and pin. */
function poolKey(location: SftpLocation): string {
  const { host, port, username, auth, hostKey, insecureAcceptAnyHostKey } = location;
  const identity = JSON.stringify({ auth, hostKey, insecureAcceptAnyHostKey });
  return `${username}@${host}:${port}#${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}
