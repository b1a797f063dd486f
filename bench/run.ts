/**
 * `npm run bench [-- --json] [-- synth|copy|load …] [-- --mib N] [-- --runs N] [-- --path NAME…] [-- --files N]`: the product's speed
 * and memory figures; with `--runs`, the copy bench is repeated and each figure is the median
 * over the runs (the machine is shared and single runs are noisy). Not a test: nothing here
 * asserts on time.
 */
import { benchCopy, medianTimings, type CopyTiming } from './copy';
import { benchLoad } from './load';
import { benchSynth } from './synth';

const args = process.argv.slice(2);
const json = args.includes('--json');
const valueOf = (flag: string): number | undefined => {
  const index = args.indexOf(flag);
  return index >= 0 ? Number(args[index + 1]) : undefined;
};
const mib = valueOf('--mib');
const runs = valueOf('--runs') ?? 1;
/** `--path 'SFTP → S3'` (repeatable, a part of the name is enough) keeps only those copy paths. */
const paths = args.flatMap((arg, i) => (args[i - 1] === '--path' ? [arg] : []));
const sections = args.filter(
  (arg, i) => !arg.startsWith('--') && !['--mib', '--runs', '--path', '--files'].includes(args[i - 1]!),
);
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
    const all: CopyTiming[][] = [];
    const options = { ...(mib ? { mib, rssMib: [] } : {}), ...(paths.length > 0 ? { paths } : {}) };
    for (let run = 0; run < runs; run++) all.push(await benchCopy({ ...options, fileflowFirst: run % 2 === 1 }));
    report.copy = medianTimings(all);
    if (!json) {
      console.log(`Copy on loopback (wall time of each command, process start included; median of ${runs})`);
      console.table(report.copy);
    }
  }
  if (wants('load')) {
    const files = valueOf('--files');
    report.load = await benchLoad(files ? { files } : {});
    if (!json) {
      console.log('Load: a burst of small files through the local pipeline (S3 landing → SFTP target)');
      console.table([report.load]);
    }
  }
  if (json) console.log(JSON.stringify(report, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
