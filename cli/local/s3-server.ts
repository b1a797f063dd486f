import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { stopChild } from './sshd';

/** s3rver accepts only these credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** Options of {@link startS3Server}. */
export interface S3ServerOptions {
  /** Where s3rver keeps buckets and objects; the caller removes it. */
  readonly dir: string;
  /** Buckets created at start. @default none */
  readonly buckets?: readonly string[];
}

/** A running local S3 server. */
export interface LocalS3Server {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts s3rver as a child process under `node --openssl-legacy-provider`
 * (which it needs and a test process should not carry), at a free port.
 *
 * The server's V8 old generation gets a 64 MB floor. Every object streamed through it in
 * 1 MiB Buffers counts against the limit V8 derives from its small heap (~11 MB), which
 * brought runs of full collections: ~10 per 256 MiB GET and ~11 per PUT. With the floor
 * none: server CPU per 256 MiB GET 110 against 260 ms (0.10-0.14 against 0.18-0.25 s), per
 * PUT 680 against 830 ms, the same peak RSS (~110 MB).
 */
export async function startS3Server(options: S3ServerOptions): Promise<LocalS3Server> {
  await mkdir(options.dir, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      '--initial-old-space-size=64',
      join(__dirname, 's3rver-launcher.cjs'),
      options.dir,
      ...(options.buckets ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${stderr.trim()}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

/**
 * An S3 client for a non-AWS S3 server: path-style addressing, and checksums
 * only when required (else streamed bodies go out aws-chunked, which local
 * servers store verbatim). Credentials default to the SDK's provider chain;
 * `config` adds any other client setting.
 */
export function s3ClientFor(
  endpoint: string,
  credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string },
  config: Omit<S3ClientConfig, 'endpoint' | 'credentials'> = {},
): S3Client {
  return new S3Client({
    ...config,
    endpoint,
    forcePathStyle: true,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(credentials ? { credentials } : {}),
  });
}
