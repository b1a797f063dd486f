import { expect } from 'chai';
import { useFaultRuntime } from './support/fault-runtime';
import { TargetWatcher } from './support/target-watcher';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('Fault injection: connections cut mid-transfer (local runtime, real sshd and S3)', function () {
  const faults = useFaultRuntime();

  it('GIVEN an S3→SFTP workflow WHEN the target connection is cut twice mid-upload THEN every file is delivered exactly once, whole, and no partial file is ever visible', async () => {
    const dir = faults.targetDir('deliveries/cut-target');
    await faults.putWorkflow({
      id: 'cuttarget-to-partner',
      source: { type: 's3', bucket: faults.landingBucket },
      sourcePrefix: 'inbound/cuttarget/',
      targets: [faults.sftpTarget('partner', 'deliveries/cut-target')],
      validationRegex: '.*',
      maxRetries: 4,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
    });
    const watcher = new TargetWatcher([dir]);
    await watcher.start();
    const ledger = faults.ledger('target connection cut mid-upload');
    faults.targetProxy.cutAfter(2, 300 * KiB, 'upstream');

    for (let i = 1; i <= 4; i++) {
      await faults.land(ledger, 'cuttarget', `ledger-${i}.csv`, MiB + i, {
        outcome: 'delivered',
        to: [{ kind: 'sftp', path: `${dir}/ledger-${i}.csv` }],
      });
    }

    const row = await faults.settle(ledger, watcher);
    expect(faults.targetProxy.cuts(), 'connections cut').to.equal(2);
    expect(row).to.include({ files: 4, delivered: 4 });
  });

  it('GIVEN an S3→SFTP workflow WHEN every upload attempt is cut THEN the file fails with RETRIES_EXHAUSTED naming the lost connection, is notified, and nothing is visible at the target', async () => {
    const dir = faults.targetDir('deliveries/cut-always');
    await faults.putWorkflow({
      id: 'cutalways-to-partner',
      source: { type: 's3', bucket: faults.landingBucket },
      sourcePrefix: 'inbound/cutalways/',
      targets: [faults.sftpTarget('partner', 'deliveries/cut-always')],
      validationRegex: '.*',
      maxRetries: 2,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
    });
    const watcher = new TargetWatcher([dir]);
    await watcher.start();
    const ledger = faults.ledger('target connection cut on every attempt');
    faults.targetProxy.cutAfter(1000, 200 * KiB, 'upstream');

    try {
      await faults.land(ledger, 'cutalways', 'statement.csv', 2 * MiB, {
        outcome: 'failed',
        reasonCode: 'RETRIES_EXHAUSTED',
        lastError: /CONNECTION_LOST/,
        to: [{ kind: 'sftp', path: `${dir}/statement.csv` }],
      });
      const row = await faults.settle(ledger, watcher);
      expect(row).to.include({ files: 1, 'failed as expected': 1 });
    } finally {
      faults.targetProxy.cutAfter(0, 0, 'upstream');
    }
  });

  it('GIVEN an S3→SFTP workflow WHEN the download from the landing bucket is cut twice mid-body THEN every file is delivered exactly once and the landing object is untouched', async () => {
    const dir = faults.targetDir('deliveries/cut-source');
    await faults.putWorkflow({
      id: 'cutsource-to-partner',
      source: { type: 's3', bucket: faults.landingBucket },
      sourcePrefix: 'inbound/cutsource/',
      targets: [faults.sftpTarget('partner', 'deliveries/cut-source')],
      validationRegex: '.*',
      maxRetries: 4,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
    });
    const watcher = new TargetWatcher([dir]);
    await watcher.start();
    const ledger = faults.ledger('source connection cut mid-download');
    faults.s3Proxy.cutNextDownloads(2, 256 * KiB);

    for (let i = 1; i <= 3; i++) {
      await faults.land(ledger, 'cutsource', `orders-${i}.csv`, MiB, {
        outcome: 'delivered',
        to: [{ kind: 'sftp', path: `${dir}/orders-${i}.csv` }],
      });
    }

    const row = await faults.settle(ledger, watcher);
    expect(faults.s3Proxy.cuts(), 'downloads cut').to.equal(2);
    expect(row).to.include({ files: 3, delivered: 3 });
  });
});
