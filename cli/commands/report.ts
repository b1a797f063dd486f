/**
 * `fileflow report`: one self-contained HTML page of the harness results and
 * the pipeline's transfers over a range of days (default: the last 7) — a
 * pass/fail grid per flow and day, latency p50/p95 per flow against its SLO,
 * the failed runs with reasons and run ids, and transfers per customer and day
 * with the reasons of the failed ones. The page fetches nothing when opened.
 *
 * With `--local` it reads the local runtime (`fileflow local up`), which must
 * be running; otherwise the config bucket named by `--bucket` and the tracking
 * tables of the deployment named by `--prefix` / `$FILEFLOW_NAME_PREFIX`.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { gatherReport } from '../../functions/core/report/gather';
import { resolveReportRange, type ReportModel } from '../../functions/core/report/model';
import { loadChartLibrary, renderReport } from '../../functions/core/report/render';
import { readTransfers } from '../../functions/core/report/transfers';
import { s3ClientFor } from '../local/s3-server';
import { LocalRuntimeNotRunningError } from '../runtime/endpoints-file';
import { isRunning, RUNTIME_PROCESS_MARKER } from '../runtime/processes';
import {
  action,
  openTrackingTarget,
  UsageError,
  withTrackingTargetOptions,
  type TrackingTarget,
  type TrackingTargetOptions,
} from '../runtime/cli-support';
import { LOCAL_CONFIG_BUCKET, readResults } from './harness';

interface ReportOptions extends TrackingTargetOptions {
  readonly out: string;
  readonly from?: string;
  readonly to?: string;
  readonly bucket?: string;
  readonly s3Endpoint?: string;
}

/** The clients and names a report reads through. */
interface ReportTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly tracking: TrackingTarget;
  /** Whether a missing config bucket means "the harness never ran" rather than a mistake. */
  readonly bucketMayBeMissing: boolean;
}

/**
 * With `--local`, the local runtime's S3 server and tables. `endpoints.json` outlives a
 * runtime killed without `local down`, so the runtime process (which also hosts the local
 * DynamoDB) must still be alive. Otherwise the config bucket named by `--bucket` and the
 * deployment's tables.
 */
async function openReportTarget(options: ReportOptions): Promise<ReportTarget> {
  if (!options.local && !options.bucket) {
    throw new UsageError('name the harness config bucket with --bucket, or use --local');
  }
  const tracking = await openTrackingTarget(options);
  const endpoints = tracking.endpoints;
  if (endpoints) {
    if (!isRunning(endpoints.runtimePid, RUNTIME_PROCESS_MARKER)) {
      tracking.close();
      throw new LocalRuntimeNotRunningError(endpoints.dir, `its process ${endpoints.runtimePid} is gone`);
    }
    return {
      s3: s3ClientFor(endpoints.s3.endpoint, endpoints.s3),
      bucket: options.bucket ?? LOCAL_CONFIG_BUCKET,
      tracking,
      bucketMayBeMissing: true,
    };
  }
  const endpoint = options.s3Endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return {
    s3: endpoint ? s3ClientFor(endpoint) : new S3Client({}),
    bucket: options.bucket!,
    tracking,
    bucketMayBeMissing: false,
  };
}

/** Writes next to the destination, then renames: a reader never sees half a report. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function summaryLine(out: string, model: ReportModel): string {
  const { totals, range } = model;
  return (
    `wrote ${out} (${range.from} to ${range.to}): ${model.flows.length} flow(s), ${totals.runs} run(s), ` +
    `${totals.runsFailed} failed; ${totals.transfers} transfer(s), ${totals.transfersByStatus.FAILED} failed\n`
  );
}

async function reportCommand(options: ReportOptions): Promise<void> {
  let range;
  try {
    range = resolveReportRange(options, new Date());
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const target = await openReportTarget(options);
  try {
    const model = await gatherReport(
      range,
      {
        runsOn: (date) =>
          readResults(target.s3, target.bucket, date).catch((error: Error) => {
            // The local runtime makes the config bucket only when the harness first runs.
            if (target.bucketMayBeMissing && error.name === 'NoSuchBucket') return [];
            throw error;
          }),
        transfers: (reportRange) => readTransfers(target.tracking, reportRange),
      },
      new Date(),
    );
    const out = resolve(options.out);
    await writeAtomically(out, renderReport(model, await loadChartLibrary()));
    if (options.json) process.stdout.write(`${JSON.stringify({ out, ...model }, null, 2)}\n`);
    else process.stdout.write(summaryLine(out, model));
  } finally {
    target.s3.destroy();
    target.tracking.close();
  }
}

/** Registers `report`. */
export function register(program: Command): void {
  withTrackingTargetOptions(
    program
      .command('report')
      .description('Write one self-contained HTML report of flow-test results and transfers over a range of days')
      .requiredOption('--out <file>', 'the HTML file to write (replaced atomically)')
      .option('--from <YYYY-MM-DD>', 'first day (UTC); default 6 days before --to')
      .option('--to <YYYY-MM-DD>', 'last day (UTC); default today')
      .option('--bucket <name>', `the harness config bucket (results/…); with --local default ${LOCAL_CONFIG_BUCKET}`)
      .option(
        '--s3-endpoint <url>',
        'another S3 server (path-style); default $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL, else AWS',
      ),
  ).action(action(reportCommand));
}
