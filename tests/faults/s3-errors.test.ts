import { expect } from 'chai';
import { useFaultRuntime } from './support/fault-runtime';
import { TargetWatcher } from './support/target-watcher';

const KiB = 1024;

describe('Fault injection: the local S3 answers 500 and 503 for a while', function () {
  const faults = useFaultRuntime();

  it('GIVEN S3→S3 and S3→SFTP workflows WHEN S3 answers its next requests with 500 and 503 THEN every file is delivered exactly once once S3 recovers', async () => {
    const dir = faults.targetDir('deliveries/s3-errors');
    await faults.putWorkflow({
      id: 'flaky-to-lake',
      source: { type: 's3', bucket: faults.landingBucket },
      sourcePrefix: 'inbound/flakylake/',
      targets: [{ id: 'lake', type: 's3', bucket: faults.targetsBucket, prefix: 'flakylake/' }],
      validationRegex: '.*',
      maxRetries: 4,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
    });
    await faults.putWorkflow({
      id: 'flaky-to-partner',
      source: { type: 's3', bucket: faults.landingBucket },
      sourcePrefix: 'inbound/flakysftp/',
      targets: [faults.sftpTarget('partner', 'deliveries/s3-errors')],
      validationRegex: '.*',
      maxRetries: 4,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
    });
    const watcher = new TargetWatcher([dir]);
    await watcher.start();
    const ledger = faults.ledger('S3 answering 500/503 for a while');
    faults.s3Proxy.failNext(8);

    for (let i = 1; i <= 3; i++) {
      await faults.land(ledger, 'flakylake', `ledger-${i}.csv`, 200 * KiB, {
        outcome: 'delivered',
        to: [{ kind: 's3', bucket: faults.targetsBucket, key: `flakylake/ledger-${i}.csv` }],
      });
      await faults.land(ledger, 'flakysftp', `ledger-${i}.csv`, 200 * KiB, {
        outcome: 'delivered',
        to: [{ kind: 'sftp', path: `${dir}/ledger-${i}.csv` }],
      });
    }

    const row = await faults.settle(ledger, watcher);
    expect(faults.s3Proxy.failed(), 'errors answered').to.deep.equal({ 500: 4, 503: 4 });
    expect(row).to.include({ files: 6, delivered: 6 });
  });

  it('GIVEN an S3→S3 workflow WHEN S3 keeps answering 503 THEN the file fails with RETRIES_EXHAUSTED naming the throttling, is notified, and nothing is written', async () => {
    await faults.putWorkflow({
      id: 'down-to-lake',
      source: { type: 's3', bucket: faults.landingBucket },
      sourcePrefix: 'inbound/downlake/',
      targets: [{ id: 'lake', type: 's3', bucket: faults.targetsBucket, prefix: 'downlake/' }],
      validationRegex: '.*',
      maxRetries: 2,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
    });
    const ledger = faults.ledger('S3 answering 503 throughout');
    faults.s3Proxy.failNext(1000, [503]);
    try {
      await faults.land(ledger, 'downlake', 'positions.csv', 64 * KiB, {
        outcome: 'failed',
        reasonCode: 'RETRIES_EXHAUSTED',
        lastError: /THROTTLED|ServiceUnavailable/,
        to: [{ kind: 's3', bucket: faults.targetsBucket, key: 'downlake/positions.csv' }],
      });
      await faults.runtime.idle(120_000);
    } finally {
      faults.s3Proxy.heal();
    }

    const row = await faults.settle(ledger);
    expect(row).to.include({ files: 1, 'failed as expected': 1 });
  });
});
