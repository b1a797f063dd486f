/**
 * Synth timings: every environment through `main.ts`, against a one-resource stack with a
 * deep provider import and the same stack with the barrel import, in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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

function timeCommand([command, ...args]: string[], outdir: string): number {
  const started = process.hrtime.bigint();
  execFileSync(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    stdio: 'ignore',
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
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
    writeFileSync(
      barrel,
      oneResourceStack(
        "import { provider, snsTopic } from '@cdktf/provider-aws';\nconst { AwsProvider } = provider;\nconst { SnsTopic } = snsTopic;",
      ),
    );
    try {
      const cases: [string, string[]][] = [
        ['npm run synth (all environments)', ['npm', 'run', '--silent', 'synth']],
        ['one resource, deep import', [process.execPath, '--import', 'tsx', deep]],
        ['one resource, barrel import', [process.execPath, '--import', 'tsx', barrel]],
      ];
      return cases.map(([name, args]) => {
        const samples = Array.from({ length: runs }, (_, i) => timeCommand(args, join(work, `${i}-${name.length}`)));
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
