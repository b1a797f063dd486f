/**
 * What the `workflows`, `status`, `redrive` and `local` commands share: where
 * the tracking tables are (the local runtime with `--local`, AWS otherwise),
 * how results are printed (a table on a terminal, JSON with `--json`) and how
 * errors end a command (one line on stderr, exit code 1).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import { TrackingRepository } from '../../functions/core/tracking/repository';
import { physicalTableNames, type TrackingTableNames } from '../../functions/core/tracking/tables';
import { localDocumentClient } from '../local/dynamodb';
import { readLocalEndpoints, type LocalEndpoints } from './endpoints-file';

/** The environment variable naming the deployment whose tables the AWS mode reads (`fileflow-dev`, …). */
const NAME_PREFIX_VARIABLE = 'FILEFLOW_NAME_PREFIX';

/** Options every tracking command takes. */
export interface TrackingTargetOptions {
  /** Use the local runtime (`endpoints.json`) instead of AWS. */
  readonly local?: boolean;
  /** Directory of the local runtime. */
  readonly localDir?: string;
  /** Name prefix of the AWS deployment; tables are `<prefix>-<suffix>`. */
  readonly prefix?: string;
  readonly json?: boolean;
}

/** A command's wrong use (missing or conflicting options), reported as `UsageError: …`. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Adds `--local`, `--local-dir`, `--prefix` and `--json`. */
export function withTrackingTargetOptions(command: Command): Command {
  return command
    .option('--local', 'use the local runtime started by `fileflow local up` (its endpoints.json)')
    .option('--local-dir <dir>', 'directory of the local runtime (default $FILEFLOW_LOCAL_DIR or .fileflow/local)')
    .option(
      '--prefix <namePrefix>',
      `AWS: name prefix of the deployment, tables are <prefix>-<table> (default $${NAME_PREFIX_VARIABLE})`,
    )
    .option('--json', 'print JSON instead of a table');
}

/** The tracking repository the options point at, and how to let go of its client. */
export interface TrackingTarget {
  readonly repository: TrackingRepository;
  /** The document client the repository reads through, for reads it does not offer. */
  readonly client: DynamoDBDocumentClient;
  readonly tableNames: TrackingTableNames;
  /** Present with `--local`. */
  readonly endpoints?: LocalEndpoints;
  close(): void;
}

/** Opens the tracking tables of the local runtime (`--local`) or of an AWS deployment (default credentials and region). */
export async function openTrackingTarget(options: TrackingTargetOptions): Promise<TrackingTarget> {
  if (options.local) {
    if (options.prefix !== undefined) throw new UsageError('--prefix names AWS tables; leave it out with --local');
    const endpoints = await readLocalEndpoints(options.localDir);
    const client = localDocumentClient(endpoints.dynamodb.endpoint);
    const tableNames = physicalTableNames(endpoints.dynamodb.tablePrefix);
    return {
      repository: new TrackingRepository({ client, tableNames }),
      client,
      tableNames,
      endpoints,
      close: () => client.destroy(),
    };
  }
  const prefix = options.prefix ?? process.env[NAME_PREFIX_VARIABLE];
  if (!prefix) {
    throw new UsageError(
      `name the deployment with --prefix <namePrefix> or $${NAME_PREFIX_VARIABLE} (e.g. fileflow-dev), or use --local`,
    );
  }
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const tableNames = physicalTableNames(prefix);
  return {
    repository: new TrackingRepository({ client, tableNames }),
    client,
    tableNames,
    close: () => client.destroy(),
  };
}

/** Runs a command body; any error becomes one line on stderr and exit code 1. */
export function action<A extends unknown[]>(body: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await body(...args);
    } catch (error) {
      process.stderr.write(`${errorLine(error)}\n`);
      process.exitCode = 1;
    }
  };
}

/** `Name: first line of the message`. */
function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return `Error: ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  const name = typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : error.name;
  return `${name}: ${error.message.split('\n')[0]}`;
}

/** Prints JSON (with `--json`) or the rows as an aligned table. */
export function printResult(json: boolean | undefined, value: unknown, rows: readonly Record<string, unknown>[]): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  process.stdout.write(formatTable(rows));
}

/** An aligned text table of `rows` (columns from the first row); `(none)` when empty. */
export function formatTable(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)\n';
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((column) => cellText(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
