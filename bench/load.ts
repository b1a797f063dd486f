/**
 * Load on the local pipeline: a burst of small files dropped into the landing bucket at
 * once, carried by the local runtime (in this process, with its default settings) through
 * the transfer workflow to the target SFTP server. Reports files per second end to end
 * (first upload started → last execution finished), execution times, and the peak memory of
 * the process that runs the runtime (and of its S3 server, a child process).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { putLocalWorkflow } from '../cli/runtime/local-placeholders';
import { localS3Client, startLocalRuntime } from '../cli/runtime/local-runtime';

/** Options of {@link benchLoad}. */
export interface BenchLoadOptions {
  /** Files in the burst. @default 1000 */
  readonly files?: number;
  /** Bytes per file. @default 1024 */
  readonly bytes?: number;
}

/** What one burst measured. */
export interface LoadFigures {
  readonly files: number;
  readonly bytesPerFile: number;
  /** Files found at the target afterwards (should equal `files`). */
  readonly delivered: number;
  readonly seconds: number;
  readonly filesPerSecond: number;
  /** Seconds the uploads into the landing bucket took (the burst itself). */
  readonly landingSeconds: number;
  readonly executionP50Ms: number;
  readonly executionP95Ms: number;
  /** Resident memory of the runtime's process before the burst and at its peak (VmHWM). */
  readonly runtimeRssBeforeMib: number;
  readonly runtimePeakRssMib: number;
  /** Peak resident memory of the S3 server (s3rver), a child process of the runtime. */
  readonly s3ServerPeakRssMib: number;
}

/** Uploads in flight while the burst lands. */
const LANDING_CONCURRENCY = 50;
const CUSTOMER = 'loadtest';

/** Runs one burst through a fresh local runtime and stops it again. */
export async function benchLoad(options: BenchLoadOptions = {}): Promise<LoadFigures> {
  const files = options.files ?? 1000;
  const bytes = options.bytes ?? 1024;
  const dir = await mkdtemp(join(tmpdir(), 'fileflow-bench-load-'));
  const runtime = await startLocalRuntime({ dir, onError: () => undefined });
  const s3 = localS3Client(runtime.endpoints);
  try {
    await putLocalWorkflow(
      runtime.repository,
      {
        id: `${CUSTOMER}-to-partner`,
        source: { type: 's3', bucket: runtime.endpoints.s3.buckets.landing },
        sourcePrefix: `inbound/${CUSTOMER}/`,
        targets: [
          {
            id: 'partner',
            type: 'sftp',
            host: '127.0.0.1',
            username: 'fileflow',
            credentials: { privateKeyFile: 'local:target' },
            hostKeyFingerprints: ['SHA256:LocalRuntimeFillsThisInFromEndpointsJson000'],
            directory: `deliveries/${CUSTOMER}`,
          },
        ],
        validationRegex: '.*',
      },
      runtime.endpoints,
    );
    const rssBefore = memoryKib(process.pid, 'VmRSS');
    const names = Array.from({ length: files }, (_, i) => `file-${String(i).padStart(5, '0')}.csv`);
    const pending = [...names];
    const started = performance.now();
    const land = async (): Promise<void> => {
      for (let name = pending.shift(); name; name = pending.shift()) {
        const Key = `inbound/${CUSTOMER}/${name}`;
        await s3.send(
          new PutObjectCommand({ Bucket: runtime.endpoints.s3.buckets.landing, Key, Body: randomBytes(bytes) }),
        );
      }
    };
    await Promise.all(Array.from({ length: LANDING_CONCURRENCY }, land));
    const landed = performance.now();
    const startedAt = Date.now() - (landed - started);
    await runtime.idle(30 * 60_000);

    const finished = runtime.executions.filter((e) => e.stoppedAt);
    const lastStop = Math.max(...finished.map((e) => Date.parse(e.stoppedAt!)));
    const seconds = (lastStop - startedAt) / 1000;
    const durations = finished.map((e) => Date.parse(e.stoppedAt!) - Date.parse(e.startedAt)).sort((a, b) => a - b);
    const delivered = await readdir(join(runtime.endpoints.sftp.target.root, 'deliveries', CUSTOMER));
    const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
    return {
      files,
      bytesPerFile: bytes,
      delivered: delivered.filter((name) => names.includes(name)).length,
      seconds: Math.round(seconds * 100) / 100,
      filesPerSecond: Math.round((files / seconds) * 10) / 10,
      landingSeconds: Math.round((landed - started) / 10) / 100,
      executionP50Ms: percentile(durations, 0.5),
      executionP95Ms: percentile(durations, 0.95),
      runtimeRssBeforeMib: mib(rssBefore),
      runtimePeakRssMib: mib(memoryKib(process.pid, 'VmHWM')),
      s3ServerPeakRssMib: mib(memoryKib(runtime.endpoints.s3.pid, 'VmHWM')),
    };
  } finally {
    s3.destroy();
    await runtime.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A memory figure of a live process from `/proc/<pid>/status`, in KiB (`VmRSS` now, `VmHWM` its peak). */
function memoryKib(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
}

function percentile(sorted: readonly number[], rank: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(rank * sorted.length))]!;
}
