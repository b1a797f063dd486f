import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { s3ClientFor } from '../local/s3-server';
import { copy, type CopyResult } from '../../functions/core/copy';
import { createEndpoint } from '../../functions/core/endpoints';
import { classifyError } from '../../functions/core/errors';
import type { HostKeyPin, Location } from '../../functions/core/locations';
import { SftpSessionPool } from '../../functions/core/sftp/session-pool';

interface CopyCommandOptions {
  readonly identity?: string;
  readonly hostKey?: string[];
  readonly knownHosts?: string;
  readonly s3Endpoint?: string;
  readonly json?: boolean;
  readonly insecureAcceptAnyHostKey?: boolean;
}

/** Wrong use of the command itself, reported as `USAGE: …`. */
class UsageError extends Error {
  readonly code = 'USAGE';
}

/** Registers `fileflow copy SRC DST`. */
export function register(program: Command): void {
  program
    .command('copy')
    .description('Copy one file between S3 and SFTP in one streaming pass, SHA-256 computed on the way')
    .argument('<source>', 's3://bucket/key or sftp://user@host:port/path')
    .argument('<target>', "s3://bucket/key or sftp://user@host:port/path; ending in '/', the source's name is added")
    .option('--identity <file>', 'SFTP private key file (OpenSSH or PEM format)')
    .option(
      '--host-key <fingerprint>',
      'pinned SFTP host key, as OpenSSH prints it: SHA256:…; repeat it to accept each (key rotation)',
      (fingerprint: string, previous: string[] = []) => [...previous, fingerprint],
    )
    .option('--known-hosts <file>', 'known_hosts file that pins the SFTP host key')
    .option(
      '--s3-endpoint <url>',
      'another S3 server (path-style); default $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL, else AWS',
    )
    .option('--json', 'print one JSON object with bytes, sha256, seconds, mibPerSecond, source, target')
    .option('--insecure-accept-any-host-key', 'accept any SFTP host key (local experiments only; logged loudly)')
    .action(async (source: string, target: string, options: CopyCommandOptions) => {
      process.exitCode = await runCopy(source, target, options);
    });
}

/**
 * Exit code of a failure that a retry can get past (a connection lost, a timeout, throttling, a
 * server error): sysexits' EX_TEMPFAIL, so a script can tell what is worth retrying. Any other
 * failure exits 1.
 */
const EXIT_TRANSIENT = 75;

/** Exit codes of a command stopped by a signal, as shells report them (128 + the signal's number). */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

async function runCopy(sourceUri: string, targetUri: string, options: CopyCommandOptions): Promise<number> {
  const pool = new SftpSessionPool();
  let s3: S3Client | undefined;
  const progress = !options.json && process.stderr.isTTY ? new ProgressBar() : undefined;
  // Ctrl-C or a SIGTERM stops the copy the way a failure does, so that it leaves nothing behind
  // (no temporary file, no multipart upload). A second one exits at once.
  const stopping = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const onSignal = (signal: StopSignal): void => {
    if (stoppedBy) process.exit(SIGNAL_EXIT_CODES[signal]);
    stoppedBy = signal;
    stopping.abort(new Error(`stopped by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const pin = await hostKeyPin(options);
    const locations = [sourceUri, intoFolder(targetUri, sourceUri)].map((uri) => parseLocationUri(uri, options, pin));
    if (locations.some((location) => location.type === 's3')) {
      const endpoint = options.s3Endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
      s3 = endpoint ? s3ClientFor(endpoint) : new S3Client({});
    }
    const [source, target] = locations.map((location) => createEndpoint(location, { s3, sftpPool: pool }));
    const result = await copy(source!, target!, {
      onProgress: progress && ((bytes, total) => progress.update(bytes, total)),
      signal: stopping.signal,
    });
    progress?.done();
    process.stdout.write(options.json ? `${JSON.stringify(summary(result))}\n` : `${describe(result)}\n`);
    return 0;
  } catch (error) {
    progress?.done();
    if (stoppedBy) {
      process.stderr.write(`INTERRUPTED: stopped by ${stoppedBy} before the copy to ${targetUri} completed\n`);
      return SIGNAL_EXIT_CODES[stoppedBy];
    }
    const failure = error instanceof UsageError ? error : classifyError(error);
    process.stderr.write(`${failure.code}: ${failure.message.split('\n')[0]}\n`);
    return 'transient' in failure && failure.transient ? EXIT_TRANSIENT : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pool.close();
    s3?.destroy();
  }
}

function summary(result: CopyResult): CopyResult & { mibPerSecond: number } {
  const mibPerSecond = result.seconds > 0 ? Math.round((result.bytes / 1024 ** 2 / result.seconds) * 10) / 10 : 0;
  return {
    bytes: result.bytes,
    sha256: result.sha256,
    seconds: Math.round(result.seconds * 1000) / 1000,
    mibPerSecond,
    source: result.source,
    target: result.target,
  };
}

function describe(result: CopyResult): string {
  const { bytes, sha256, seconds, mibPerSecond } = summary(result);
  return `copied ${bytes} bytes ${result.source} → ${result.target} in ${seconds} s (${mibPerSecond} MiB/s) sha256 ${sha256}`;
}

async function hostKeyPin(options: CopyCommandOptions): Promise<HostKeyPin | undefined> {
  if (options.hostKey === undefined && options.knownHosts === undefined) return undefined;
  return {
    ...(options.hostKey !== undefined ? { fingerprint: options.hostKey } : {}),
    ...(options.knownHosts !== undefined ? { knownHosts: await readFile(options.knownHosts, 'utf8') } : {}),
  };
}

/**
 * A target ending in '/' names a folder: the copy goes into it under the source's own name, as
 * `aws s3 cp` and `scp` do (`s3://b/inbox/` + `sftp://h/out/a.csv` → `s3://b/inbox/a.csv`).
 */
function intoFolder(targetUri: string, sourceUri: string): string {
  if (!targetUri.endsWith('/')) return targetUri;
  const name = sourceUri.slice(sourceUri.lastIndexOf('/') + 1);
  if (name === '') {
    throw new UsageError(`the source ${sourceUri} names no file to copy into ${targetUri}`);
  }
  return targetUri + name;
}

/** `s3://bucket/key` or `sftp://[user@]host[:port]/absolute/path`; percent-escapes are decoded. */
function parseLocationUri(uri: string, options: CopyCommandOptions, hostKey: HostKeyPin | undefined): Location {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (s3) return { type: 's3', bucket: s3[1]!, key: decode(s3[2]!) };
  const sftp = /^sftp:\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?(\/.+)$/.exec(uri);
  if (!sftp) throw new UsageError(`not an s3://bucket/key or sftp://user@host:port/path location: ${uri}`);
  if (!options.identity) throw new UsageError(`${uri} needs --identity <private key file>`);
  if (!hostKey && !options.insecureAcceptAnyHostKey) {
    throw new UsageError(`${uri} needs a pinned host key: --host-key SHA256:… or --known-hosts FILE`);
  }
  return {
    type: 'sftp',
    host: sftp[2]!.replace(/^\[|\]$/g, ''),
    port: sftp[3] ? Number(sftp[3]) : 22,
    username: sftp[1] ? decode(sftp[1]) : userInfo().username,
    auth: { privateKey: { file: options.identity } },
    ...(hostKey ? { hostKey } : {}),
    insecureAcceptAnyHostKey: options.insecureAcceptAnyHostKey === true,
    baseDir: '/',
    path: decode(sftp[4]!),
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A one-line progress bar on stderr, redrawn at most ten times a second. */
class ProgressBar {
  private readonly started = performance.now();
  private lastDrawn = 0;

  update(bytes: number, total: number): void {
    const now = performance.now();
    if (now - this.lastDrawn < 100 && bytes < total) return;
    this.lastDrawn = now;
    const fraction = total > 0 ? Math.min(1, bytes / total) : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const rate = bytes / 1024 ** 2 / Math.max((now - this.started) / 1000, 0.001);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
        `${(bytes / 1024 ** 2).toFixed(1)} MiB ${rate.toFixed(1)} MiB/s`,
    );
  }

  done(): void {
    if (this.lastDrawn > 0) process.stderr.write('\n');
  }
}
