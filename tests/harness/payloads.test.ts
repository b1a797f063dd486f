import { expect } from 'chai';
import { runLocally, type JsonValue, type LocalHandler } from '../../asl';
import { buildHarnessDefinition, createLocalHarnessHandlers, localHarnessResources } from '../../asl/workflows/harness';
import type { RecordedRun } from '../../functions/core/harness/record';
import { CONFIG_BUCKET, LANDING_BUCKET, PARTNER_BUCKET, flowConfig, s3, useHarnessWorld } from './support';

const HUNDRED_MIB = 100 * 1024 * 1024;
const LIMIT = 16 * 1024;

describe('GIVEN a flow that moves a 100 MiB file (S3 to SFTP)', function () {
  this.timeout(90_000);
  const world = useHarnessWorld();
  const sizes: { state: string; direction: 'input' | 'output'; bytes: number }[] = [];
  let result: RecordedRun;
  let heapGrowth = 0;

  before(async () => {
    await world.pushFlow(
      flowConfig('s3-to-sftp-100mib', s3(LANDING_BUCKET, 'stress/'), await world.sftp('stress/inbox'), {
        testdata: { size_bytes: HUNDRED_MIB, pattern: 'random', filename_prefix: 'stress' },
        validation: { expect_within_seconds: 600 },
      }),
    );
    await world.pushFlow(flowConfig('s3-small', s3(LANDING_BUCKET, 'small/'), s3(PARTNER_BUCKET, 'small/')));
    const measure = (state: string, direction: 'input' | 'output', value: JsonValue) =>
      sizes.push({ state, direction, bytes: Buffer.byteLength(JSON.stringify(value)) });
    const handlers = Object.fromEntries(
      Object.entries(createLocalHarnessHandlers(world.deps())).map(([state, handler]): [string, LocalHandler] => [
        state,
        async (input) => {
          measure(state, 'input', input);
          const output = await handler(input);
          measure(state, 'output', output);
          return output;
        },
      ]),
    );
    const heapBefore = process.memoryUsage().heapUsed;
    const output = (await runLocally(
      buildHarnessDefinition(localHarnessResources(CONFIG_BUCKET)).toAsl(),
      {},
      { handlers },
    )) as JsonValue;
    heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    measure('(execution)', 'output', output);
    result = (output as unknown as { results: RecordedRun[] }).results.find((r) => r.flow_id === 's3-to-sftp-100mib')!;
  });

  it('THEN the 100 MiB file arrives intact', () => {
    expect(result).to.include({ outcome: 'SUCCESS', outcome_matches_expectation: true });
  });

  it('THEN no state input or output comes near 16 KB: only pointers, sizes and digests travel', () => {
    const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    expect(sizes.length).to.be.greaterThan(20);
    process.stdout.write(`      largest: ${largest.state} ${largest.direction} ${largest.bytes} bytes\n`);
    expect(largest.bytes, `${largest.state} ${largest.direction}`).to.be.below(LIMIT);
  });

  it('THEN the harness process did not hold the file in memory', () => {
    expect(heapGrowth).to.be.below(HUNDRED_MIB / 2);
  });
});
