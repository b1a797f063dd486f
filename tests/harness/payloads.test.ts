import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runLocally, type JsonValue, type LocalHandler } from '../../asl';
import { buildHarnessDefinition, createLocalHarnessHandlers, localHarnessResources } from '../../asl/workflows/harness';
import { LOCAL_CONFIG_BUCKET, localHarnessDeps, syncLocalConfig } from '../../cli/commands/harness';
import { localS3Client } from '../../cli/runtime/local-runtime';
import type { RecordedRun } from '../../functions/core/harness/record';
import { SftpSessionPool } from '../../functions/core/sftp/session-pool';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { useLocalRuntime } from './runtime-support';

const HUNDRED_MIB = 100 * 1024 * 1024;
const LIMIT = 16 * 1024;

describe('GIVEN the local runtime and a flow that moves a 100 MiB file from the landing bucket to the partner SFTP server', function () {
  this.timeout(240_000);
  const world = useLocalRuntime();
  const sizes: { state: string; direction: 'input' | 'output'; bytes: number }[] = [];
  let result: RecordedRun;
  let heapGrowth = 0;
  let s3: S3Client;
  let sftpPool: SftpSessionPool;

  before(async () => {
    // Only the stress flow and its workflow: the shipped s3-to-sftp flow, 100 MiB instead of 1 MiB.
    await rm(join(world.configDir, 'groups'), { recursive: true });
    const stress = JSON.parse(await readFile(join(world.configDir, 'flows', 's3-to-sftp.json'), 'utf8')) as Record<
      string,
      unknown
    > & { testdata: Record<string, unknown> };
    await rm(join(world.configDir, 'flows'), { recursive: true });
    await mkdir(join(world.configDir, 'flows'));
    await world.addConfig(
      'flows/s3-to-sftp-100mib.json',
      JSON.stringify({
        ...stress,
        flow_id: 's3-to-sftp-100mib',
        testdata: { ...stress.testdata, size_bytes: HUNDRED_MIB, filename_prefix: 'stress' },
      }),
    );
    s3 = localS3Client(world.runtime.endpoints);
    sftpPool = new SftpSessionPool({ idleMs: 1000 });
    await s3.send(new CreateBucketCommand({ Bucket: LOCAL_CONFIG_BUCKET }));
    await syncLocalConfig(world.configDir, {
      s3,
      bucket: LOCAL_CONFIG_BUCKET,
      prefix: 'config/',
      localDir: world.localDir,
    });
    const deps = localHarnessDeps(world.runtime.endpoints, {
      s3,
      configBucket: LOCAL_CONFIG_BUCKET,
      sftpPool,
      metrics: { recordRun: () => undefined },
      publishAlert: async () => undefined,
    });

    const measure = (state: string, direction: 'input' | 'output', value: JsonValue) =>
      sizes.push({ state, direction, bytes: Buffer.byteLength(JSON.stringify(value)) });
    const handlers = Object.fromEntries(
      Object.entries(createLocalHarnessHandlers(deps)).map(([state, handler]): [string, LocalHandler] => [
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
      buildHarnessDefinition(localHarnessResources(LOCAL_CONFIG_BUCKET)).toAsl(),
      {},
      { handlers, waitMs: 500 },
    )) as JsonValue;
    heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    measure('(execution)', 'output', output);
    result = (output as unknown as { results: RecordedRun[] }).results.find((r) => r.flow_id === 's3-to-sftp-100mib')!;
  });

  after(async () => {
    await sftpPool?.close();
    s3?.destroy();
  });

  it('THEN the 100 MiB file arrives intact through the real pipeline, in one transfer', () => {
    expect(result).to.include({ outcome: 'SUCCESS', outcome_matches_expectation: true });
    expect(world.runtime.executions).to.have.length(1);
    expect(world.runtime.executions[0]!.status).to.equal('SUCCEEDED');
  });

  it('THEN no state input or output comes near 16 KB: only pointers, sizes and digests travel', () => {
    const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    expect(sizes.length).to.be.greaterThan(15);
    process.stdout.write(`      largest: ${largest.state} ${largest.direction} ${largest.bytes} bytes\n`);
    expect(largest.bytes, `${largest.state} ${largest.direction}`).to.be.below(LIMIT);
  });

  it('THEN the harness did not hold the file in memory', () => {
    expect(heapGrowth).to.be.below(HUNDRED_MIB / 2);
  });
});
