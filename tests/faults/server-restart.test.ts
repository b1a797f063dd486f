import { join } from 'node:path';
import { expect } from 'chai';
import { useFaultRuntime } from './support/fault-runtime';
import { SshdRestarter } from './support/sshd-restart';
import { TargetWatcher } from './support/target-watcher';

const MiB = 1024 * 1024;

describe('Fault injection: the target sshd restarts during a transfer', function () {
  const faults = useFaultRuntime();
  let restarter: SshdRestarter | undefined;

  after(async () => restarter?.stop());

  it('GIVEN uploads in flight to the target server WHEN sshd is killed with its sessions and started again on the same port and host key THEN every file is delivered exactly once, whole, and no partial file is ever visible', async () => {
    const server = faults.runtime.endpoints.sftp.target;
    restarter = new SshdRestarter(
      server.pid,
      join(faults.runtime.endpoints.dir, 'sshd-target', 'sshd_config'),
      server.port,
    );
    const dir = faults.targetDir('deliveries/restart');
    await faults.putWorkflow({
      id: 'restart-to-partner',
      source: { type: 's3', bucket: faults.landingBucket },
      sourcePrefix: 'inbound/restart/',
      targets: [faults.sftpTarget('partner', 'deliveries/restart')],
      validationRegex: '.*',
      maxRetries: 5,
      backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
    });
    const watcher = new TargetWatcher([dir]);
    await watcher.start();
    const ledger = faults.ledger('target sshd restarted mid-transfer');
    let restarted: Promise<void> | undefined;
    faults.targetProxy.onceAfter(3 * MiB, 'upstream', () => {
      restarted = restarter!.restart();
    });

    for (let i = 1; i <= 4; i++) {
      await faults.land(ledger, 'restart', `batch-${i}.dat`, 2 * MiB, {
        outcome: 'delivered',
        to: [{ kind: 'sftp', path: `${dir}/batch-${i}.dat` }],
      });
    }
    await faults.runtime.idle(120_000);
    expect(restarted, 'the restart happened mid-transfer').to.not.equal(undefined);
    await restarted;

    const row = await faults.settle(ledger, watcher);
    expect(row).to.include({ files: 4, delivered: 4 });
    const retried = await Promise.all(
      [1, 2, 3, 4].map(async (i) => {
        const status = await faults.runtime.repository.statusForFile({
          customerId: 'restart',
          fileName: `batch-${i}.dat`,
        });
        return status.latest?.retryCount ?? 0;
      }),
    );
    expect(Math.max(...retried), 'at least one transfer was retried after the restart').to.be.greaterThan(0);
  });
});
