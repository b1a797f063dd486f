/**
 * `npm run bench [-- --json] [-- synth|copy …] [-- --mib N]`: the product's speed and memory
 * figures. Not a test: nothing here asserts on time.
 */
import { benchCopy } from './copy';
import { benchSynth } from './synth';

const args = process.argv.slice(2);
const json = args.includes('--json');
const mibArg = args.indexOf('--mib');
const mib = mibArg >= 0 ? Number(args[mibArg + 1]) : undefined;
const sections = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--mib');
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
  if (wants('copy')) {
    report.copy = await benchCopy(mib ? { mib, rssMib: [] } : {});
    if (!json) {
      console.log('Copy on loopback (wall time of each command, process start included)');
      console.table(report.copy);
    }
  }
  if (json) console.log(JSON.stringify(report, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
