/**
 * `fileflow flows validate|push`: the test engineer's loop. `validate` checks flow and
 * group files (one error a line, `file: $.json.path: message`); `push` validates the same
 * way and, only when everything is valid, uploads to the config bucket, whose versioning
 * keeps the history.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { s3ClientFor } from '../local/s3-server';
import { checkConfigSet, type CheckedConfig, type ConfigSource } from '../../functions/core/flows/config-set';
import { registerFlowsRun } from './harness';

interface PushOptions {
  readonly bucket: string;
  readonly prefix: string;
  readonly s3Endpoint?: string;
}

/** Folders below a named directory that hold flow and group configs. */
const FLOW_CONFIG_FOLDERS = new Set(['flows', 'groups']);

/**
 * Every `*.json` under the given files and directories, in a stable order; unreadable paths
 * become errors. Below a named directory only `flows/` and `groups/` folders are read, so
 * `config/` can also hold other configuration (such as the pipeline's `workflows/`).
 */
async function readConfigSources(paths: readonly string[]): Promise<{ sources: ConfigSource[]; missing: string[] }> {
  const sources: ConfigSource[] = [];
  const missing: string[] = [];
  const visit = async (path: string, explicit: boolean): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch {
      missing.push(path);
      return;
    }
    if (info.isDirectory()) {
      const entries = (await readdir(path)).sort();
      for (const entry of entries) {
        const child = join(path, entry);
        if (!FLOW_CONFIG_FOLDERS.has(entry) && (await stat(child).catch(() => undefined))?.isDirectory()) continue;
        await visit(child, false);
      }
    } else if (explicit || path.endsWith('.json')) {
      sources.push({ file: path, text: await readFile(path, 'utf8') });
    }
  };
  for (const path of paths) await visit(path, true);
  return { sources, missing };
}

/** Prints every error and a summary; returns whether every file is valid. */
function report(checked: readonly CheckedConfig[], missing: readonly string[]): boolean {
  const out: string[] = [];
  for (const path of missing) out.push(`${path}: $: no such file or directory`);
  for (const config of checked) {
    for (const error of config.errors) out.push(`${config.file}: ${error.path}: ${error.message}`);
  }
  const invalid = checked.filter((config) => config.errors.length > 0).length + missing.length;
  const errorCount = out.length;
  const flows = checked.filter((config) => config.kind === 'flow').length;
  const groups = checked.length - flows;
  out.push(
    checked.length === 0
      ? 'no config files found'
      : invalid === 0
        ? `${flows} flow(s) and ${groups} group(s) checked: all valid`
        : `${flows} flow(s) and ${groups} group(s) checked: ${invalid} invalid file(s), ${errorCount} error(s)`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return invalid === 0 && checked.length > 0;
}

async function validate(paths: readonly string[]): Promise<number> {
  const { sources, missing } = await readConfigSources(paths);
  return report(await checkConfigSet(sources), missing) ? 0 : 1;
}

/** The S3 key a valid config is stored under; the id, not the local file name, decides it. */
function keyFor(config: CheckedConfig, prefix: string): string {
  if (config.kind === 'flow') return `${prefix}flows/${config.flow!.flow_id}.json`;
  return `${prefix}groups/${config.group!.name}.json`;
}

async function push(paths: readonly string[], options: PushOptions): Promise<number> {
  const prefix = options.prefix === '' || options.prefix.endsWith('/') ? options.prefix : `${options.prefix}/`;
  const endpoint = options.s3Endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const s3 = endpoint ? s3ClientFor(endpoint) : new S3Client({});
  try {
    const { sources, missing } = await readConfigSources(paths);
    // A group may name a flow pushed earlier: look for it in the bucket before calling it unknown.
    const flowInBucket = async (flowId: string) => {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: options.bucket, Key: `${prefix}flows/${flowId}.json` }));
        return true;
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
        throw error;
      }
    };
    const checked = await checkConfigSet(sources, flowInBucket);
    if (!report(checked, missing)) {
      process.stdout.write('nothing uploaded\n');
      return 1;
    }
    for (const config of checked) {
      const key = keyFor(config, prefix);
      const put = await s3.send(
        new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: config.text, ContentType: 'application/json' }),
      );
      process.stdout.write(
        `${config.file} -> s3://${options.bucket}/${key} version ${put.VersionId ?? '(bucket not versioned)'}\n`,
      );
    }
    return 0;
  } finally {
    s3.destroy();
  }
}

/** Registers `fileflow flows validate`, `fileflow flows push` and `fileflow flows run`. */
export function register(program: Command): void {
  const flows = program
    .command('flows')
    .description('Flow-test configs: check them, publish them to the config bucket, run them');
  flows
    .command('validate')
    .description('Check flow and group files: every error as file: $.json.path: message; exit 1 if any is invalid')
    .argument('<paths...>', 'files or directories (directories are searched for *.json)')
    .action(async (paths: string[]) => {
      process.exitCode = await validate(paths);
    });
  flows
    .command('push')
    .description('Validate every file, then (only if all are valid) upload them to the config bucket')
    .argument('<paths...>', 'files or directories (directories are searched for *.json)')
    .requiredOption('--bucket <name>', 'the config bucket')
    .option('--prefix <prefix>', 'key prefix of the config tree in the bucket', 'config/')
    .option(
      '--s3-endpoint <url>',
      'another S3 server (path-style); default $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL, else AWS',
    )
    .action(async (paths: string[], options: PushOptions) => {
      process.exitCode = await push(paths, options);
    });
  registerFlowsRun(flows);
}
