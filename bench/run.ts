/**
 * `npm run bench [-- --json] [-- synth|copy …]`: the product's speed and memory figures.
 * Not a test: nothing here asserts on time.
 */
import { benchSynth } from './synth';

const args = process.argv.slice(2);
const json = args.includes('--json');
const sections = args.filter((arg) => !arg.startsWith('--'));
const wants = (name: string): boolean => sections.length === 0 || sections.includes(name);

async function main(): Promise<void> {
  const report: Record<string, unknown> = {};
  if (wants('synth')) {
    report.synth = benchSynth();
    if (!json) {
      console.log('Synth wall time (median of 3, seconds)');
      console.table(report.synth);
    }
  }
  if (json) console.log(JSON.stringify(report, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
