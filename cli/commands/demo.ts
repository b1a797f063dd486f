/**
 * `fileflow demo` (what `npm start` runs): the local runtime end to end in a
 * few seconds. It brings the runtime up in a fresh directory, stores the
 * sample workflows of `config/workflows/`, drops one sample file per
 * direction — S3→S3, S3→SFTP, the fan-out into the landing bucket; SFTP→S3
 * and SFTP→SFTP onto the partner `source` server, where the poller finds
 * them — waits until the runtime is idle, prints one row per file, and takes
 * the runtime down again. Exit code 1 unless every file was delivered with
 * the SHA-256 it was generated with.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { createEndpoint } from '../../functions/core/endpoints';
import { SftpSessionPool } from '../../functions/core/sftp/session-pool';
import type { StatusRecord } from '../../functions/core/tracking/records';
import { action, formatTable } from '../runtime/cli-support';
import { localS3Client, startLocalRuntime, type LocalRuntime } from '../runtime/local-runtime';
import { putLocalWorkflow } from '../runtime/local-placeholders';
import { localSftpLocation } from '../runtime/pull-poller';

const SAMPLE_WORKFLOWS = resolve(__dirname, '..', '..', 'config', 'workflows');

/** One sample file: where it is dropped, and what the demo expects of it. */
interface SampleFile {
  readonly customerId: string;
  readonly fileName: string;
  readonly direction: string;
  /** A landing key (dropped into the landing bucket) or a path on the `source` SFTP server. */
  readonly drop: { readonly landingKey: string } | { readonly sourcePath: string };
  readonly bytes: number;
}

const SAMPLES: readonly SampleFile[] = [
  {
    customerId: 'acme',
    fileName: 'orders-2025-06-28.csv',
    direction: 'S3 → S3',
    drop: { landingKey: 'inbound/acme/orders-2025-06-28.csv' },
    bytes: 256 * 1024,
  },
  {
    customerId: 'globex',
    fileName: 'shipments.json',
    direction: 'S3 → SFTP',
    drop: { landingKey: 'inbound/globex/shipments.json' },
    bytes: 512 * 1024,
  },
  {
    customerId: 'initech',
    fileName: 'invoices.xml',
    direction: 'SFTP → S3',
    drop: { sourcePath: 'outbox/initech/invoices.xml' },
    bytes: 768 * 1024,
  },
  {
    customerId: 'umbrella',
    fileName: 'inventory.dat',
    direction: 'SFTP → SFTP',
    drop: { sourcePath: 'outbox/umbrella/inventory.dat' },
    bytes: 1024 * 1024,
  },
  {
    customerId: 'hooli',
    fileName: 'ledger.csv',
    direction: 'fan-out S3 + SFTP',
    drop: { landingKey: 'from-sftp/hooli/ledger.csv' },
    bytes: 2 * 1024 * 1024,
  },
];

/** One row of the demo's table. */
export interface DemoRow {
  readonly file: string;
  readonly direction: string;
  readonly workflow: string;
  readonly targets: string;
  readonly status: string;
  readonly bytes: number | '';
  readonly sha256: string;
  readonly seconds: number | '';
}

interface DemoOptions {
  readonly json?: boolean;
  readonly dir?: string;
}

/** Registers `demo`. */
export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the local runtime end to end: sample workflows, one file per direction and a fan-out, a status table',
    )
    .option('--dir <dir>', 'runtime directory (default: a fresh temporary directory, removed afterwards)')
    .option('--json', 'print the rows as JSON')
    .action(
      action(async (options: DemoOptions) => {
        const rows = await runDemo(options);
        const failed = rows.filter((row) => row.status !== 'SUCCESS');
        if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else {
          process.stdout.write(formatTable(rows.map((row) => ({ ...row }))));
          process.stdout.write(
            failed.length === 0
              ? `\nall ${rows.length} transfers delivered; the local runtime is down again\n`
              : `\n${failed.length} of ${rows.length} transfers did not succeed\n`,
          );
        }
        if (failed.length > 0) process.exitCode = 1;
      }),
    );
}

/** Up → workflows → files → idle → rows → down. */
export async function runDemo(options: { readonly dir?: string } = {}): Promise<DemoRow[]> {
  const scratch = options.dir === undefined ? await mkdtemp(join(tmpdir(), 'fileflow-demo-')) : undefined;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const runtime = await startLocalRuntime({ dir: options.dir ?? scratch, pollIntervalMs: 200, scanIntervalMs: 100 });
  try {
    say(`local runtime up in ${runtime.endpoints.dir}`);
    for (const file of (await readdir(SAMPLE_WORKFLOWS)).filter((name) => name.endsWith('.json')).sort()) {
      const definition = JSON.parse(await readFile(join(SAMPLE_WORKFLOWS, file), 'utf8')) as unknown;
      const { definition: stored } = await putLocalWorkflow(runtime.repository, definition, runtime.endpoints);
      say(`workflow ${stored.id} stored (${file})`);
    }
    const hashes = await dropSamples(runtime);
    say(`${SAMPLES.length} sample files dropped; waiting for the runtime to settle`);
    await runtime.idle(25_000);
    return await Promise.all(SAMPLES.map((sample) => rowFor(runtime, sample, hashes.get(sample.fileName)!)));
  } finally {
    await runtime.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/** Drops every sample (landing bucket over S3, source server over SFTP); returns each one's SHA-256. */
async function dropSamples(runtime: LocalRuntime): Promise<Map<string, string>> {
  const { s3: s3Endpoint, sftp } = runtime.endpoints;
  const s3 = localS3Client(runtime.endpoints);
  const sftpPool = new SftpSessionPool({ idleMs: 500 });
  const hashes = new Map<string, string>();
  try {
    await Promise.all(
      SAMPLES.map(async (sample) => {
        const body = sampleContent(sample);
        hashes.set(sample.fileName, createHash('sha256').update(body).digest('hex'));
        if ('landingKey' in sample.drop) {
          await s3.send(
            new PutObjectCommand({ Bucket: s3Endpoint.buckets.landing, Key: sample.drop.landingKey, Body: body }),
          );
        } else {
          const endpoint = createEndpoint(localSftpLocation(sftp.source, sample.drop.sourcePath), { sftpPool });
          await endpoint.writeAtomically(Readable.from([body]), { size: body.length });
        }
      }),
    );
  } finally {
    await sftpPool.close();
    s3.destroy();
  }
  return hashes;
}

/** Deterministic, readable content: numbered lines, so a delivered file can be inspected by eye. */
function sampleContent(sample: SampleFile): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 1; size < sample.bytes; i++) {
    const line = `${sample.customerId},${sample.fileName},${i},${createHash('sha1').update(`${sample.fileName}${i}`).digest('hex')}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, sample.bytes);
}

async function rowFor(runtime: LocalRuntime, sample: SampleFile, sha256: string): Promise<DemoRow> {
  const report = await runtime.repository.statusForFile({ customerId: sample.customerId, fileName: sample.fileName });
  const latest: Partial<StatusRecord> = report.latest ?? {};
  const tracked = (latest.metadata ?? {}) as { sha256?: string; bytes?: number };
  const execution = runtime.executions.find(
    (e) => e.status !== 'RUNNING' && JSON.stringify(e.input).includes(sample.fileName) && e.stoppedAt !== undefined,
  );
  const seconds = execution ? (Date.parse(execution.stoppedAt!) - Date.parse(execution.startedAt)) / 1000 : '';
  // Delivered means: tracked as SUCCESS with the very hash the demo generated.
  const status =
    latest.status === 'SUCCESS' && tracked.sha256 !== sha256 ? 'CHECKSUM_MISMATCH' : (latest.status ?? 'NOT_SEEN');
  return {
    file: `${sample.customerId}/${sample.fileName}`,
    direction: sample.direction,
    workflow: latest.workflowId ?? '',
    targets: Object.keys(latest.targetSummary ?? {}).join(', '),
    status,
    bytes: tracked.bytes ?? '',
    sha256: (tracked.sha256 ?? '').slice(0, 12),
    seconds,
  };
}
