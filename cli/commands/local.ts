/**
 * `fileflow local up|down|status`: the local runtime (see `cli/runtime/local-runtime.ts`).
 *
 * `up` runs in the foreground until Ctrl-C; `up --detach` starts the same
 * command as a background process (output in `<dir>/runtime.log`) and returns
 * once `endpoints.json` is written. `down` stops the process named by
 * `<dir>/runtime.pid` and, should it have died without cleaning up, each
 * server pid recorded in `endpoints.json` — checked against its command line
 * first — and removes only those two files.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { localChatBot } from '../runtime/chatbot-server';
import { action, formatTable, UsageError } from '../runtime/cli-support';
import { ENDPOINTS_FILE, localDir, readLocalEndpoints, type LocalEndpoints } from '../runtime/endpoints-file';
import { RUNTIME_PID_FILE, serverProcesses, startLocalRuntime } from '../runtime/local-runtime';
import { isRunning, RUNTIME_PROCESS_MARKER, terminate } from '../runtime/processes';

/** Log of a detached runtime, inside its directory. */
const RUNTIME_LOG = 'runtime.log';
const CLI_ENTRY = resolve(__dirname, '..', '..', 'bin', 'fileflow.cjs');

interface LocalOptions {
  readonly dir?: string;
  readonly json?: boolean;
  readonly detach?: boolean;
  readonly pollInterval?: string;
  readonly skipWaits?: boolean;
}

/** Registers `local up|down|status`. */
export function register(program: Command): void {
  const local = program
    .command('local')
    .description('Run the transfer pipeline on this machine: local S3, DynamoDB and two OpenSSH servers');
  local
    .command('up')
    .description('Start the servers, create tables and buckets, write endpoints.json, run the event loop and pollers')
    .option('--dir <dir>', 'runtime directory (default $FILEFLOW_LOCAL_DIR or .fileflow/local)')
    .option('--detach', 'run in the background; stop with `fileflow local down`')
    .option('--poll-interval <ms>', 'how often pull sources are listed', '1000')
    .option('--skip-waits', "retry at once instead of waiting each workflow's back-off (as AWS does)")
    .option('--json', 'print endpoints.json')
    .action(action((options: LocalOptions) => (options.detach ? upDetached(options) : upForeground(options))));
  local
    .command('down')
    .description('Stop the runtime started by `local up` in this directory, and nothing else')
    .option('--dir <dir>', 'runtime directory (default $FILEFLOW_LOCAL_DIR or .fileflow/local)')
    .option('--json', 'print what was stopped as JSON')
    .action(action(down));
  local
    .command('status')
    .description('Show the servers of the local runtime and whether each is running')
    .option('--dir <dir>', 'runtime directory (default $FILEFLOW_LOCAL_DIR or .fileflow/local)')
    .option('--json', 'print as JSON')
    .action(action(status));
}

async function upForeground(options: LocalOptions): Promise<void> {
  const pollIntervalMs = Number(options.pollInterval ?? 1000);
  if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 50) throw new UsageError('--poll-interval must be ≥ 50 ms');
  // The chat bot's retry allow-list comes from $FILEFLOW_CHATBOT_RETRY_ALLOW (see chatbot-server.ts).
  const runtime = await startLocalRuntime({
    dir: options.dir,
    pollIntervalMs,
    // A transient failure waits the workflow's back-off, as on AWS, so a restarting server is ridden out.
    waits: options.skipWaits ? 'skipped' : 'as-defined',
    chatBot: localChatBot(),
  });
  printEndpoints(runtime.endpoints, options.json);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void runtime.stop().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function upDetached(options: LocalOptions): Promise<void> {
  const dir = localDir(options.dir);
  const running = await runtimePid(dir);
  if (running !== undefined) throw new UsageError(`a local runtime (pid ${running}) already runs in ${dir}`);
  await mkdir(dir, { recursive: true });
  await rm(join(dir, ENDPOINTS_FILE), { force: true });
  const log = openSync(join(dir, RUNTIME_LOG), 'w');
  const args = [
    CLI_ENTRY,
    'local',
    'up',
    '--dir',
    dir,
    '--poll-interval',
    options.pollInterval ?? '1000',
    ...(options.skipWaits ? ['--skip-waits'] : []),
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  let exited: number | string | undefined;
  child.once('exit', (code, signal) => (exited = code ?? signal ?? 'unknown'));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const endpoints = await readLocalEndpoints(dir).catch(() => undefined);
    if (endpoints !== undefined && endpoints.runtimePid === child.pid) {
      printEndpoints(endpoints, options.json);
      return;
    }
    if (exited !== undefined || Date.now() > deadline) {
      const output = await readFile(join(dir, RUNTIME_LOG), 'utf8').catch(() => '');
      const last = output.trim().split('\n').pop() ?? '';
      if (exited === undefined) await terminate(child.pid!, RUNTIME_PROCESS_MARKER);
      throw new Error(
        `the local runtime did not start (${exited === undefined ? 'timed out' : `exit ${exited}`}): ${last}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function down(options: LocalOptions): Promise<void> {
  const dir = localDir(options.dir);
  const pid = await runtimePid(dir);
  const endpoints = await readLocalEndpoints(dir).catch(() => undefined);
  const stopped: { name: string; pid: number }[] = [];
  if (pid !== undefined && (await terminate(pid, RUNTIME_PROCESS_MARKER, 20_000)))
    stopped.push({ name: 'runtime', pid });
  // A runtime that died hard leaves its servers behind: stop exactly those, recognised by their command lines.
  for (const server of endpoints ? serverProcesses(endpoints) : []) {
    if (await terminate(server.pid, server.marker)) stopped.push({ name: server.name, pid: server.pid });
  }
  await rm(join(dir, RUNTIME_PID_FILE), { force: true });
  await rm(join(dir, ENDPOINTS_FILE), { force: true });
  if (options.json) process.stdout.write(`${JSON.stringify({ dir, stopped }, null, 2)}\n`);
  else
    process.stdout.write(
      stopped.length
        ? `stopped ${stopped.map((s) => `${s.name} (${s.pid})`).join(', ')}\n`
        : `no local runtime ran in ${dir}\n`,
    );
}

async function status(options: LocalOptions): Promise<void> {
  const endpoints = await readLocalEndpoints(options.dir);
  const runtimeUp = isRunning(endpoints.runtimePid, RUNTIME_PROCESS_MARKER);
  const markers = Object.fromEntries(serverProcesses(endpoints).map((server) => [server.name, server.marker]));
  const rows = [
    { component: 'runtime', address: endpoints.dir, pid: endpoints.runtimePid, running: runtimeUp },
    {
      component: 's3',
      address: endpoints.s3.endpoint,
      pid: endpoints.s3.pid,
      running: isRunning(endpoints.s3.pid, markers.s3),
    },
    // dynalite lives inside the runtime process.
    { component: 'dynamodb', address: endpoints.dynamodb.endpoint, pid: endpoints.runtimePid, running: runtimeUp },
    ...(['source', 'target'] as const).map((name) => {
      const server = endpoints.sftp[name];
      return {
        component: `sftp ${name}`,
        address: `${server.username}@${server.host}:${server.port}`,
        pid: server.pid,
        running: isRunning(server.pid, markers[`sftp ${name}`]!),
      };
    }),
  ];
  if (options.json) process.stdout.write(`${JSON.stringify({ endpoints, components: rows }, null, 2)}\n`);
  else process.stdout.write(formatTable(rows));
  if (rows.some((row) => !row.running)) process.exitCode = 1;
}

/** The pid in `runtime.pid` when that process is alive. */
async function runtimePid(dir: string): Promise<number | undefined> {
  const pid = Number((await readFile(join(dir, RUNTIME_PID_FILE), 'utf8').catch(() => '')).trim());
  return pid > 0 && isRunning(pid, RUNTIME_PROCESS_MARKER) ? pid : undefined;
}

function printEndpoints(endpoints: LocalEndpoints, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(endpoints, null, 2)}\n`);
    return;
  }
  const { s3, dynamodb, sftp } = endpoints;
  process.stdout.write(
    [
      `local runtime up (pid ${endpoints.runtimePid}) in ${endpoints.dir}`,
      `  s3        ${s3.endpoint}  buckets ${s3.buckets.landing}, ${s3.buckets.targets}`,
      `  dynamodb  ${dynamodb.endpoint}  tables ${dynamodb.tablePrefix}-*`,
      ...(['source', 'target'] as const).map(
        (name) =>
          `  sftp ${name.padEnd(6)} ${sftp[name].username}@${sftp[name].host}:${sftp[name].port}  ${sftp[name].hostKeyFingerprint}`,
      ),
      ...(endpoints.chatbot ? [`  chat bot  ${endpoints.chatbot.url}/slack/commands  /teams/messages`] : []),
      `  details   ${join(endpoints.dir, ENDPOINTS_FILE)}`,
      '',
    ].join('\n'),
  );
}
