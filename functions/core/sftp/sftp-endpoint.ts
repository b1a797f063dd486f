import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SFTPWrapper, Stats } from 'ssh2';
import type { Endpoint, ListEntry, ObjectStat, OpenRead, WriteOptions } from '../endpoint';
import { atLocation, classifyError, InvalidPathError, NoSpaceError, type TransferError } from '../errors';
import type { SftpLocation } from '../locations';
import { resolveUnder } from '../paths';
import { resolveSecret } from '../secrets';
import { sha256OfStream } from '../sha256-meter';
import { SftpPipelinedReader, SftpPipelinedWriter } from './pipelined-streams';
import type { SftpCredentials, SftpSession, SftpSessionPool } from './session-pool';

/** Temporary files carry this suffix; `list` hides them. */
const TEMPORARY_SUFFIX = '.fileflow-part';
const SFTP_FAILURE = 4;

/** Clients an SFTP endpoint needs. */
export interface SftpEndpointClients {
  readonly sftpPool: SftpSessionPool;
  /** Needed only when a credential lives in Secrets Manager. */
  readonly secretsManager?: SecretsManagerClient;
}

/** A file on an SFTP server, confined to the location's base directory. */
export class SftpEndpoint implements Endpoint {
  readonly uri: string;
  /** Absolute path on the server, checked to stay inside `baseDir`. */
  readonly absolutePath: string;

  constructor(
    readonly location: SftpLocation,
    private readonly clients: SftpEndpointClients,
  ) {
    this.absolutePath = resolveUnder(location.baseDir, location.path);
    this.uri = `sftp://${location.username}@${location.host}:${location.port}${this.absolutePath}`;
  }

  async stat(): Promise<ObjectStat> {
    return this.withSession(async ({ sftp }) => {
      const stats = await call<Stats>((cb) => sftp.stat(this.absolutePath, cb));
      return statOf(stats);
    });
  }

  async openRead(): Promise<OpenRead> {
    const session = await this.session().catch((error: unknown) => {
      throw atLocation(error, this.uri);
    });
    try {
      const handle = await call<Buffer>((cb) => session.sftp.open(this.absolutePath, 'r', cb));
      const stats = await call<Stats>((cb) => session.sftp.fstat(handle, cb))
        .then((stats) => {
          // OpenSSH opens a directory for reading; only its first read would fail, as a generic failure.
          if (stats.isDirectory()) throw new InvalidPathError('a directory, not a file');
          return stats;
        })
        .catch((error) => {
          session.sftp.close(handle, () => undefined);
          throw error;
        });
      const body = new SftpPipelinedReader(session.sftp, handle, stats.size, () => session.release());
      return { stat: statOf(stats), body, recycle: (chunk) => body.recycle(chunk) };
    } catch (error) {
      session.release();
      throw atLocation(error, this.uri);
    }
  }

  /**
   * Writes to a hidden temporary name in the target directory, fsyncs, then
   * renames into place (`posix-rename@openssh.com`, which replaces atomically,
   * when offered). On any failure the temporary file is removed — over a new
   * connection if the old one died — and the final name is never touched.
   * If the connection dies once every byte is written (at the close or the
   * rename), a new connection finds out whether the rename happened and
   * finishes it if not: the file is neither sent again nor delivered twice.
   */
  async writeAtomically(body: Readable, options: WriteOptions = {}): Promise<void> {
    const directory = posix.dirname(this.absolutePath);
    const temporary = posix.join(
      directory,
      `.${posix.basename(this.absolutePath)}.${randomBytes(6).toString('hex')}${TEMPORARY_SUFFIX}`,
    );
    let session: SftpSession | undefined;
    let handle: Buffer | undefined;
    let created = false;
    /** The temporary file's size once it holds every byte, fsynced where the server offers it. */
    let complete: number | undefined;
    /** Which stream failed first; the body's failure is the source's, located by the caller. */
    let failedFirst: 'body' | 'writer' | undefined;
    body.once('error', () => (failedFirst ??= 'body'));
    try {
      session = await this.session();
      const { sftp } = session;
      await makeDirectories(sftp, directory, this.location.baseDir);
      // Asked alongside the open, so it costs no round trip: a directory at the final name would
      // only refuse the rename, once every byte had been sent, as a generic (retried) failure.
      const isDirectory = call<Stats>((cb) => sftp.stat(this.absolutePath, cb)).then(
        (stats) => stats.isDirectory(),
        () => false,
      );
      created = true;
      handle = await call<Buffer>((cb) => sftp.open(temporary, 'w', cb));
      if (await isDirectory) throw new InvalidPathError('a directory, not a file');
      const writer = new SftpPipelinedWriter(sftp, handle, { recycle: options.recycle });
      writer.once('error', () => (failedFirst ??= 'writer'));
      await pipeline(body, writer);
      await fsyncIfOffered(sftp, handle);
      complete = writer.bytesWritten;
      const open = handle;
      handle = undefined;
      await call((cb) => sftp.close(open, cb));
      await renameReplacing(sftp, temporary, this.absolutePath);
      created = false;
    } catch (error) {
      body.destroy();
      // Asked before the temporary file is removed, which frees the space again.
      const full = session ? await fileSystemFull(session.sftp, directory, error) : false;
      if (session && handle) {
        try {
          session.sftp.close(handle, () => undefined);
        } catch {
          // the channel died with the connection
        }
      }
      session?.release();
      session = undefined;
      if (
        complete !== undefined &&
        classifyError(error).transient &&
        (await this.finishRename(temporary, complete, options.sha256))
      ) {
        return;
      }
      if (created) await this.removeQuietly(temporary);
      if (full) {
        throw atLocation(
          new NoSpaceError(`no space left at ${directory}: ${errorMessage(error)}`, { cause: error }),
          this.uri,
        );
      }
      throw failedFirst === 'body' ? classifyError(error) : atLocation(error, this.uri);
    } finally {
      session?.release();
    }
  }

  async list(): Promise<ListEntry[]> {
    return this.withSession(async ({ sftp }) => {
      const entries = await call<{ filename: string; attrs: Stats }[]>((cb) => sftp.readdir(this.absolutePath, cb));
      const base = posix.normalize(this.location.baseDir);
      return entries
        .filter((entry) => entry.attrs.isFile() && !entry.filename.endsWith(TEMPORARY_SUFFIX))
        .map((entry) => ({
          name: posix.relative(base, posix.join(this.absolutePath, entry.filename)),
          size: entry.attrs.size,
          mtime: new Date(entry.attrs.mtime * 1000),
        }));
    });
  }

  /**
   * Removes the file. If the connection dies with the removal on its way or its answer, a new
   * connection removes it again; "no such file" there means the first removal was carried out.
   */
  async delete(): Promise<void> {
    const unlink = () => this.withSession(({ sftp }) => call((cb) => sftp.unlink(this.absolutePath, cb)));
    try {
      await unlink();
    } catch (error) {
      if (!(error as TransferError).transient) throw error;
      const again = await unlink().then(
        () => undefined,
        (retried: TransferError) => retried,
      );
      if (again && again.code !== 'NOT_FOUND') throw error;
    }
  }

  /**
   * Renames the file to `to` (relative to the base directory), replacing what is there. If the
   * connection dies at the rename, a new connection finds out whether it happened and finishes
   * it if not, as for an upload's final rename: a move is never reported failed once done.
   */
  async move(to: string): Promise<SftpEndpoint> {
    const target = new SftpEndpoint({ ...this.location, path: to }, this.clients);
    let size: number | undefined;
    try {
      await this.withSession(async ({ sftp }) => {
        await makeDirectories(sftp, posix.dirname(target.absolutePath), this.location.baseDir);
        size = (await call<Stats>((cb) => sftp.stat(this.absolutePath, cb))).size;
        await renameReplacing(sftp, this.absolutePath, target.absolutePath);
      });
    } catch (error) {
      if (
        size === undefined ||
        !(error as TransferError).transient ||
        (await this.settleRename(this.absolutePath, target.absolutePath, size)) === 'no'
      ) {
        throw error;
      }
    }
    return target;
  }

  /** Opens a session to the server and leaves it idle in the pool for the transfer that follows. */
  async connect(): Promise<void> {
    await this.withSession(async () => undefined);
  }

  private session(): Promise<SftpSession> {
    return this.clients.sftpPool.acquire(this.location, () => this.credentials());
  }

  private async credentials(): Promise<SftpCredentials> {
    const { auth } = this.location;
    const secretsManager = this.clients.secretsManager;
    return 'privateKey' in auth
      ? { privateKey: await resolveSecret(auth.privateKey, { secretsManager }) }
      : { password: await resolveSecret(auth.password, { secretsManager }) };
  }

  private async withSession<T>(operation: (session: SftpSession) => Promise<T>): Promise<T> {
    const session = await this.session().catch((error: unknown) => {
      throw atLocation(error, this.uri);
    });
    try {
      return await operation(session);
    } catch (error) {
      throw atLocation(error, this.uri);
    } finally {
      session.release();
    }
  }

  /**
   * After the connection died at the close or the rename of a complete temporary file, finds
   * out over a new connection whether the rename happened ({@link settleRename}). When only
   * its answer was lost, the file at the final name is read back and hashed when the SHA-256
   * is known (someone else may have removed the temporary file, and the old file have the
   * same size). False when the rename neither happened nor could be done now, or the server
   * cannot be reached: the caller then removes the temporary file and reports the failure.
   */
  private async finishRename(temporary: string, size: number, sha256?: () => string): Promise<boolean> {
    try {
      const found = await this.settleRename(temporary, this.absolutePath, size);
      if (found !== 'renamed before' || sha256 === undefined) return found !== 'no';
      await sha256OfStream((await this.openRead()).body, { expectedBytes: size, expectedSha256: sha256() });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Where a file of `size` bytes is after a rename from `from` to `to` was lost with its
   * connection, asked over a new one. Still at `from`, whole: renamed now. Gone from there,
   * with a file of its size at `to`: the rename happened before ('renamed before'). Otherwise,
   * or when the server cannot be reached: 'no'.
   */
  private async settleRename(from: string, to: string, size: number): Promise<'renamed now' | 'renamed before' | 'no'> {
    try {
      return await this.withSession(async ({ sftp }) => {
        const sizeOf = (path: string) =>
          call<Stats>((cb) => sftp.stat(path, cb)).then(
            (stats) => stats.size,
            () => undefined,
          );
        const left = await sizeOf(from);
        if (left !== undefined) {
          if (left !== size) return 'no';
          // The old connection's server may still carry out its rename meanwhile: the file
          // is at `to` all the same.
          await renameReplacing(sftp, from, to).catch(() => undefined);
          const moved = (await sizeOf(from)) === undefined && (await sizeOf(to)) === size;
          return moved ? 'renamed now' : 'no';
        }
        return (await sizeOf(to)) === size ? 'renamed before' : 'no';
      });
    } catch {
      return 'no';
    }
  }

  private async removeQuietly(path: string): Promise<void> {
    try {
      await this.withSession(({ sftp }) => call((cb) => sftp.unlink(path, cb)));
    } catch {
      // Best effort: the original failure is what the caller needs to see.
    }
  }
}

/** Free bytes below which a failed write is put down to a full file system. */
const FULL_BELOW_BYTES = 1024 * 1024;

/**
 * Whether a write failed because the target's file system is full. OpenSSH answers ENOSPC
 * with the generic SFTP `Failure` status, so on that status the free space of the
 * directory is asked (`statvfs@openssh.com`, when offered; bounded by a short timeout).
 */
async function fileSystemFull(sftp: SFTPWrapper, directory: string, error: unknown): Promise<boolean> {
  // The failure arrives raw (status 4) or already classified by the pipelined writer.
  if (classifyError(error).code !== 'SERVER_ERROR') return false;
  try {
    const stats = await withTimeout(
      call<{ f_bavail: number; f_frsize: number }>((cb) => sftp.ext_openssh_statvfs(directory, cb)),
      STATVFS_TIMEOUT_MS,
    );
    return stats.f_bavail * stats.f_frsize < FULL_BELOW_BYTES;
  } catch {
    return false; // not offered, or the connection is gone: the generic error stands
  }
}

const STATVFS_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Adapts ssh2's `(err, value)` callbacks to a promise. */
function call<T = void>(start: (callback: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start((error, value) => (error ? reject(error) : resolve(value)));
    } catch (error) {
      reject(error);
    }
  });
}

async function makeDirectories(sftp: SFTPWrapper, directory: string, baseDir: string): Promise<void> {
  const base = posix.normalize(baseDir);
  const missing: string[] = [];
  for (let current = directory; current !== base && current !== '/'; current = posix.dirname(current)) {
    const exists = await call<Stats>((cb) => sftp.stat(current, cb)).then(
      () => true,
      () => false,
    );
    if (exists) break;
    missing.unshift(current);
  }
  for (const path of missing) {
    await call((cb) => sftp.mkdir(path, cb)).catch(async (error: { code?: number }) => {
      // Another transfer may have made it in the meantime.
      if (error.code !== SFTP_FAILURE || !(await call<Stats>((cb) => sftp.stat(path, cb)).catch(() => undefined)))
        throw error;
    });
  }
}

/** What an SFTP STAT or FSTAT answer says about the file (SFTP times are in seconds). */
function statOf(stats: Stats): ObjectStat {
  return { size: stats.size, mtime: new Date(stats.mtime * 1000) };
}

async function fsyncIfOffered(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  try {
    await call((cb) => sftp.ext_openssh_fsync(handle, cb));
  } catch (error) {
    if (!/does not support/.test((error as Error).message)) throw error;
  }
}

/** Renames over an existing file: atomically with posix-rename, else (plain SFTP rename refuses to overwrite) unlink first. */
async function renameReplacing(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await call((cb) => sftp.ext_openssh_rename(from, to, cb));
    return;
  } catch (error) {
    if (!/does not support/.test((error as Error).message)) throw error;
  }
  try {
    await call((cb) => sftp.rename(from, to, cb));
  } catch {
    await call((cb) => sftp.unlink(to, cb)).catch(() => undefined);
    await call((cb) => sftp.rename(from, to, cb));
  }
}
