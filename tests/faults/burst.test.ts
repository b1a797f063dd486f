import { expect } from 'chai';
import { useFaultRuntime } from './support/fault-runtime';
import { TargetWatcher } from './support/target-watcher';

const FILES = 1000;
/** Uploads in flight while the burst lands. */
const LANDING_CONCURRENCY = 50;

describe('Fault injection: a burst of 1,000 small files', function () {
  const faults = useFaultRuntime();

  it('GIVEN an S3→SFTP workflow WHEN 1,000 small files land at once THEN every one is delivered exactly once, whole, and no partial file is ever visible', async function () {
    this.timeout(1_200_000);
    const dir = faults.targetDir('deliveries/burst');
    await faults.putWorkflow({
      id: 'burst-to-partner',
      source: { type: 's3', bucket: faults.landingBucket },
      sourcePrefix: 'inbound/burst/',
      targets: [faults.sftpTarget('partner', 'deliveries/burst')],
      validationRegex: '^part-\\d{4}\\.csv$',
      maxRetries: 3,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
    });
    const watcher = new TargetWatcher([dir], 1000);
    await watcher.start();
    const ledger = faults.ledger('burst of 1,000 small files');

    const names = Array.from({ length: FILES }, (_, i) => `part-${String(i).padStart(4, '0')}.csv`);
    const landing = async (): Promise<void> => {
      for (let name = names.shift(); name; name = names.shift()) {
        await faults.land(ledger, 'burst', name, 1024 + (name.length % 7) * 100, {
          outcome: 'delivered',
          to: [{ kind: 'sftp', path: `${dir}/${name}` }],
        });
      }
    };
    await Promise.all(Array.from({ length: LANDING_CONCURRENCY }, landing));

    const row = await faults.settle(ledger, watcher);
    expect(row).to.include({ files: FILES, delivered: FILES });
  });
});
