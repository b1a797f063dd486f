/**
 * Synth timings: every environment through `main.ts`, cold (a copy of the repository with no
 * earlier Lambda bundles, so every handler is bundled and zipped) and warm (this working tree,
 * whose earlier bundles are reused while their sources are unchanged), against a one-resource
 * stack with a deep provider import and the same stack with the barrel import, in the same run.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..');

/** One timed synth. */
export interface SynthTiming {
  readonly case: string;
  readonly seconds: number;
}

const oneResourceStack = (importLine: string): string => `
import { App, TerraformStack } from 'cdktf';
${importLine}
const app = new App();
const stack = new TerraformStack(app, 'one');
new AwsProvider(stack, 'aws', { region: 'us-west-2' });
new SnsTopic(stack, 'topic', { name: 'one' });
app.synth();
`;

function timeCommand([command, ...args]: string[], outdir: string, cwd = REPO_ROOT): number {
  const started = process.hrtime.bigint();
  execFileSync(command, args, {
    cwd,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    stdio: 'ignore',
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Folders a copy of the repository leaves out: generated output, and packages (linked instead). */
const NOT_COPIED = new Set(['node_modules', '.git', '.gen', 'cdktf.out', '.fileflow', 'bench/out', 'tests/out']);

/** A copy of the repository sharing this one's packages, with no generated output. */
function repositoryCopy(into: string): string {
  const copy = join(into, 'repo');
  cpSync(REPO_ROOT, copy, {
    recursive: true,
    filter: (source) => !NOT_COPIED.has(relative(REPO_ROOT, source)),
  });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

/** Times each case `runs` times and keeps the median. */
export function benchSynth(runs = 3): SynthTiming[] {
  const work = mkdtempSync(join(tmpdir(), 'fileflow-bench-synth-'));
  try {
    const deep = join(REPO_ROOT, `.bench-deep-${process.pid}.ts`);
    const barrel = join(REPO_ROOT, `.bench-barrel-${process.pid}.ts`);
    writeFileSync(
      deep,
      oneResourceStack(
        "import { AwsProvider } from '@cdktf/provider-aws/lib/provider';\nimport { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';",
      ),
    );
    // The import the project's ESLint rules forbid, written here only to time what it costs.
    writeFileSync(
      barrel,
      oneResourceStack(
        "import { provider, snsTopic } from '@cdktf/provider-aws';\nconst { AwsProvider } = provider;\nconst { SnsTopic } = snsTopic;",
      ),
    );
    try {
      const copy = repositoryCopy(work);
      const synth = ['npm', 'run', '--silent', 'synth'];
      // Warm runs start from bundles this tree already has: one synth makes sure there are some.
      timeCommand(synth, join(work, 'warm-up'));
      const cases: [string, string[], () => string][] = [
        [
          'npm run synth (all environments), cold: no earlier bundles',
          synth,
          () => {
            rmSync(join(copy, '.gen'), { recursive: true, force: true });
            return copy;
          },
        ],
        ['npm run synth (all environments), warm: sources unchanged', synth, () => REPO_ROOT],
        ['one resource, deep import', [process.execPath, '--import', 'tsx', deep], () => REPO_ROOT],
        ['one resource, barrel import', [process.execPath, '--import', 'tsx', barrel], () => REPO_ROOT],
      ];
      return cases.map(([name, args, prepare], index) => {
        const samples = Array.from({ length: runs }, (_, i) => {
          const cwd = prepare();
          return timeCommand(args, join(work, `${index}-${i}`), cwd);
        });
        samples.sort((a, b) => a - b);
        return { case: name, seconds: Number(samples[Math.floor(runs / 2)].toFixed(2)) };
      });
    } finally {
      rmSync(deep, { force: true });
      rmSync(barrel, { force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
