/**
 * `fileflow synth`: synthesizes every environment as `cdktf synth` would and prints what
 * it wrote, one row per stack.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';

const REPO_ROOT = resolve(__dirname, '..', '..');

/** One synthesized stack, as `synth` reports it. */
export interface SynthesizedStackSummary {
  readonly stack: string;
  readonly file: string;
  readonly resources: number;
  readonly backend: string;
}

/** Runs `main.ts` as `cdktf synth` would and summarizes what it wrote. */
export function synthesizeAll(outdir = join(REPO_ROOT, 'cdktf.out')): SynthesizedStackSummary[] {
  execFileSync(process.execPath, ['--import', 'tsx', 'main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  return Object.entries(manifest.stacks).map(([stack, entry]) => {
    const file = join(outdir, entry.synthesizedStackPath);
    const json = JSON.parse(readFileSync(file, 'utf8')) as {
      resource?: Record<string, Record<string, unknown>>;
      terraform?: { backend?: Record<string, unknown>; cloud?: unknown };
    };
    const resources = Object.values(json.resource ?? {}).reduce((sum, byId) => sum + Object.keys(byId).length, 0);
    const backend = json.terraform?.cloud
      ? 'terraform cloud'
      : (Object.keys(json.terraform?.backend ?? {})[0] ?? 'local');
    return { stack, file: relative(process.cwd(), file), resources, backend };
  });
}

/** Adds `synth` to the program. */
export function register(program: Command): void {
  program
    .command('synth')
    .description('Synthesize every environment to cdktf.out/ and show what was written')
    .option('--json', 'print the summary as JSON')
    .option('--outdir <dir>', 'where to write the stacks', 'cdktf.out')
    .action((options: { json?: boolean; outdir: string }) => {
      const stacks = synthesizeAll(resolve(options.outdir));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(stacks, null, 2)}\n`);
        return;
      }
      console.table(stacks);
    });
}
