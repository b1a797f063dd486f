import { expect } from 'chai';
import type { ObjectCreatedEvent } from '../../cli/runtime/landing-watcher';
import { useFaultRuntime } from './support/fault-runtime';
import { TargetWatcher } from './support/target-watcher';

const KiB = 1024;

describe('Fault injection: duplicate events and poison messages', function () {
  const faults = useFaultRuntime();

  /** The `Object Created` event the runtime published for `key`, once it has. */
  async function eventFor(key: string): Promise<ObjectCreatedEvent> {
    for (;;) {
      const event = faults.runtime.events.find((e) => e.detail.object.key === key);
      if (event) return event;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it('GIVEN files landing for an SFTP partner WHEN each file’s event is delivered three times, the repeats while the first execution runs THEN each file is delivered exactly once and the repeats end as DUPLICATE', async () => {
    const dir = faults.targetDir('deliveries/thrice');
    await faults.putWorkflow({
      id: 'thrice-to-partner',
      source: { type: 's3', bucket: faults.landingBucket },
      sourcePrefix: 'inbound/thrice/',
      targets: [faults.sftpTarget('partner', 'deliveries/thrice')],
      validationRegex: '.*',
      maxRetries: 2,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
    });
    const watcher = new TargetWatcher([dir]);
    await watcher.start();
    const ledger = faults.ledger('same event delivered three times');

    for (let i = 1; i <= 5; i++) {
      await faults.land(ledger, 'thrice', `trades-${i}.csv`, 512 * KiB, {
        outcome: 'delivered',
        to: [{ kind: 'sftp', path: `${dir}/trades-${i}.csv` }],
      });
      const event = await eventFor(`inbound/thrice/trades-${i}.csv`);
      faults.runtime.publish(event);
      faults.runtime.publish(event);
    }

    const row = await faults.settle(ledger, watcher);
    expect(row).to.include({ files: 5, delivered: 5 });
    const outcomes = faults.runtime.executions
      .filter((e) => JSON.stringify(e.input).includes('inbound/thrice/'))
      .map((e) => (e.output as { status?: string } | undefined)?.status ?? e.status);
    expect(outcomes.filter((o) => o === 'ACCEPTED')).to.have.length(5);
    expect(outcomes.filter((o) => o === 'DUPLICATE')).to.have.length(10);
  });

  it('GIVEN a healthy file WHEN a message that is not JSON, an event for an object that does not exist and a file with a rejected name arrive beside it THEN the healthy file is delivered, the message is dead-lettered, and the others fail with their named reasons', async () => {
    const dir = faults.targetDir('deliveries/poison');
    await faults.putWorkflow({
      id: 'poison-to-partner',
      source: { type: 's3', bucket: faults.landingBucket },
      sourcePrefix: 'inbound/poison/',
      targets: [faults.sftpTarget('partner', 'deliveries/poison')],
      validationRegex: '^[a-z]+-\\d+\\.csv$',
      maxRetries: 2,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
    });
    const watcher = new TargetWatcher([dir]);
    await watcher.start();
    const ledger = faults.ledger('poison messages beside a healthy file');
    const notJson = '{"detail": {"bucket": ';
    ledger.track({
      customerId: '-',
      fileName: 'not-json',
      sha256: '',
      expect: { outcome: 'dead-lettered', body: notJson },
    });
    ledger.track({
      customerId: 'poison',
      fileName: 'ghost-1.csv',
      sha256: '',
      expect: { outcome: 'failed', reasonCode: 'NOT_FOUND', to: [{ kind: 'sftp', path: `${dir}/ghost-1.csv` }] },
    });

    await faults.land(ledger, 'poison', 'healthy-1.csv', 64 * KiB, {
      outcome: 'delivered',
      to: [{ kind: 'sftp', path: `${dir}/healthy-1.csv` }],
    });
    await faults.land(ledger, 'poison', 'Not A Name.txt', 1 * KiB, {
      outcome: 'failed',
      reasonCode: 'FILENAME_REJECTED',
      to: [{ kind: 'sftp', path: `${dir}/Not A Name.txt` }],
    });
    const healthy = await eventFor('inbound/poison/healthy-1.csv');
    faults.runtime.queue.send(notJson);
    const ghost = structuredClone(healthy) as { detail: { object: { key: string; sequencer: string } } };
    ghost.detail.object.key = 'inbound/poison/ghost-1.csv';
    ghost.detail.object.sequencer = '00000000000000000001';
    faults.runtime.queue.send(JSON.stringify(ghost));

    const row = await faults.settle(ledger, watcher);
    expect(row).to.include({ files: 4, delivered: 1, 'failed as expected': 3 });
  });
});
