/**
 * The harness against the real local runtime: `startLocalRuntime` (s3rver, dynalite, the
 * `source` and `target` sshd, the landing watcher, the queue, the pull poller and the
 * transfer workflow's own ASL), a copy of the shipped `config/` to run from, and the
 * `fileflow` command run in this process.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import sinon from 'sinon';
import { register as registerFlows } from '../../cli/commands/flows';
import { register as registerHarness } from '../../cli/commands/harness';
import { startLocalRuntime, type LocalRuntime } from '../../cli/runtime/local-runtime';

/** The repository's shipped config tree (flows, groups, workflows). */
export const SHIPPED_CONFIG = resolve(__dirname, '..', '..', 'config');

/** How an in-process `fileflow` call ended. */
export interface InProcessOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs `fileflow <args>` in this process (flows and harness commands); returns its output and exit code. */
export async function fileflow(...args: string[]): Promise<InProcessOutcome> {
  const program = new Command('fileflow').exitOverride();
  registerFlows(program);
  registerHarness(program);
  const out: string[] = [];
  const err: string[] = [];
  const stdout = sinon.stub(process.stdout, 'write').callsFake((chunk) => (out.push(String(chunk)), true));
  const stderr = sinon.stub(process.stderr, 'write').callsFake((chunk) => (err.push(String(chunk)), true));
  try {
    process.exitCode = 0;
    await program.parseAsync(['node', 'fileflow', ...args]);
    return { stdout: out.join(''), stderr: err.join(''), exitCode: Number(process.exitCode ?? 0) };
  } finally {
    stdout.restore();
    stderr.restore();
    process.exitCode = 0;
  }
}

/** A running local runtime and a scratch copy of the shipped config, for one suite. */
export interface RuntimeWorld {
  readonly runtime: LocalRuntime;
  /** The runtime's home (`--local-dir`). */
  readonly localDir: string;
  /** A copy of `config/` the suite may add files to (`--config-dir`). */
  readonly configDir: string;
  /** Background errors the runtime reported (failed scans, polls). */
  readonly errors: unknown[];
  /** Writes `text` as `<configDir>/<path>`. */
  addConfig(path: string, text: string): Promise<void>;
}

/** Starts the runtime before the enclosing suite (fast scan and poll ticks) and stops it after. */
export function useLocalRuntime(): RuntimeWorld {
  const world = { errors: [] as unknown[] } as { -readonly [K in keyof RuntimeWorld]: RuntimeWorld[K] };
  let scratch: string | undefined;
  before(async function () {
    this.timeout(60_000);
    scratch = await mkdtemp(join(tmpdir(), 'fileflow-harness-runtime-'));
    world.localDir = join(scratch, 'local');
    world.configDir = join(scratch, 'config');
    await cp(SHIPPED_CONFIG, world.configDir, { recursive: true });
    world.runtime = await startLocalRuntime({
      dir: world.localDir,
      scanIntervalMs: 100,
      pollIntervalMs: 250,
      onError: (error) => world.errors.push(error),
    });
    world.addConfig = (path, text) => writeFile(join(world.configDir, path), text);
  });
  after(async function () {
    this.timeout(60_000);
    await world.runtime?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });
  return world;
}
