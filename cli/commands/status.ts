/**
 * `fileflow status`: where files are, from the tracking tables of an AWS
 * deployment (`--prefix` / `$FILEFLOW_NAME_PREFIX`) or of the local runtime
 * (`--local`). Exactly one question per call:
 * - `--file NAME`: every customer's file of that name, its latest status and history;
 * - `--customer ID [--date YYYY-MM-DD]`: the customer's files (of that day);
 * - `--failed`: the open failures waiting for review or `fileflow redrive`.
 */
import type { Command } from 'commander';
import { formatFileId } from '../../functions/core/tracking/keys';
import type { CustomerFileEntry, FailureRecord, StatusRecord } from '../../functions/core/tracking/records';
import type { FileStatusReport } from '../../functions/core/tracking/repository';
import {
  action,
  openTrackingTarget,
  printResult,
  UsageError,
  withTrackingTargetOptions,
  type TrackingTargetOptions,
} from '../runtime/cli-support';

interface StatusOptions extends TrackingTargetOptions {
  readonly file?: string;
  readonly customer?: string;
  readonly date?: string;
  readonly failed?: boolean;
}

/** Registers `status`. */
export function register(program: Command): void {
  withTrackingTargetOptions(
    program
      .command('status')
      .description('Show transfers: of one file name, of one customer (and day), or every open failure')
      .option('--file <name>', 'the file name, as it landed (every customer that sent one)')
      .option('--customer <id>', 'one customer')
      .option('--date <YYYY-MM-DD>', 'with --customer: only that day (UTC)')
      .option('--failed', 'open failures, newest first (re-drive one with `fileflow redrive <customer>/<file>`)'),
  ).action(
    action(async (options: StatusOptions) => {
      const questions = [options.file !== undefined, options.customer !== undefined, options.failed === true];
      if (questions.filter(Boolean).length !== 1)
        throw new UsageError('ask exactly one of --file NAME, --customer ID or --failed');
      if (options.date !== undefined && options.customer === undefined)
        throw new UsageError('--date goes with --customer');
      if (options.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.date))
        throw new UsageError('--date must be YYYY-MM-DD');
      const target = await openTrackingTarget(options);
      try {
        const { repository } = target;
        if (options.file !== undefined) {
          const files = await repository.findFilesByName(options.file);
          const reports = await Promise.all(files.map((file) => repository.statusForFile(file)));
          printResult(options.json, reports, reports.map(fileRow));
        } else if (options.customer !== undefined) {
          const entries = await repository.filesForCustomer(options.customer, options.date);
          printResult(options.json, entries, entries.map(customerRow));
        } else {
          const failures = await repository.listFailures();
          printResult(options.json, failures, failures.map(failureRow));
        }
      } finally {
        target.close();
      }
    }),
  );
}

function fileRow(report: FileStatusReport): Record<string, unknown> {
  const latest: Partial<StatusRecord> = report.latest ?? {};
  return {
    file: formatFileId(report.file),
    workflow: latest.workflowId ?? '',
    status: latest.status ?? '(no status yet)',
    at: latest.timestamp ?? '',
    retries: latest.retryCount ?? '',
    targets: summary(latest.targetSummary),
    changes: report.history.length,
    error: latest.errorMessage ?? '',
  };
}

function customerRow(entry: CustomerFileEntry): Record<string, unknown> {
  return {
    date: entry.date,
    file: entry.fileName,
    workflow: entry.workflowId,
    status: entry.status,
    at: entry.timestamp,
    retries: entry.retryCount,
    targets: summary(entry.targetSummary),
    error: entry.errorMessage ?? '',
  };
}

function failureRow(failure: FailureRecord): Record<string, unknown> {
  return {
    file: formatFileId(failure),
    workflow: failure.workflowId,
    reason: failure.reasonCode,
    failedAt: failure.failedAt,
    retries: failure.retryCount,
    failures: failure.failureCount,
    source: failure.sourceUri ?? '',
    error: failure.lastError.split('\n')[0],
  };
}

function summary(targets: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(targets ?? {})
    .map(([id, where]) => `${id}: ${where}`)
    .join(', ');
}
