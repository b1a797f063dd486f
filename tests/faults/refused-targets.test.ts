import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { startSshd, type LocalSshd } from '../../cli/local/sshd';
import { useFaultRuntime } from './support/fault-runtime';
import { TargetWatcher } from './support/target-watcher';

const run = promisify(execFile);
const KiB = 1024;
const MiB = 1024 * KiB;

describe('Fault injection: targets that refuse the file (permission denied, out of space)', function () {
  const faults = useFaultRuntime();

  describe('GIVEN a partner account that may not write to its delivery directory', () => {
    let partner: LocalSshd | undefined;
    after(async () => partner?.stop());

    it('WHEN files land THEN each fails with ACCESS_DENIED on the first attempt, is notified, and nothing is visible at the target', async () => {
      // As root every directory is writable, so the partner logs in as an unprivileged account.
      const asRoot = process.getuid?.() === 0;
      const user = asRoot ? 'nobody' : undefined;
      const home = join(faults.scratch, 'denied');
      await mkdir(home, { recursive: true });
      await chmod(faults.scratch, 0o755);
      partner = await startSshd({ dir: join(home, 'sshd'), ...(user ? { users: [user] } : {}) });
      const [username, keyFile] = Object.entries(partner.clientKeys)[0]!;
      const dir = join(home, 'inbox');
      await mkdir(dir);
      await chmod(dir, 0o555);
      await faults.putWorkflow({
        id: 'denied-to-partner',
        source: { type: 's3', bucket: faults.landingBucket },
        sourcePrefix: 'inbound/denied/',
        targets: [
          {
            id: 'partner',
            type: 'sftp',
            host: partner.host,
            port: partner.port,
            username,
            credentials: { privateKeyFile: keyFile },
            hostKeyFingerprints: [partner.hostKeyFingerprint],
            directory: dir,
          },
        ],
        validationRegex: '.*',
        maxRetries: 3,
        backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
      });
      const watcher = new TargetWatcher([dir]);
      await watcher.start();
      const ledger = faults.ledger('target permission denied');

      for (let i = 1; i <= 3; i++) {
        await faults.land(ledger, 'denied', `claims-${i}.csv`, 100 * KiB, {
          outcome: 'failed',
          reasonCode: 'ACCESS_DENIED',
          to: [{ kind: 'sftp', path: `${dir}/claims-${i}.csv` }],
        });
      }

      const row = await faults.settle(ledger, watcher);
      expect(row).to.include({ files: 3, 'failed as expected': 3 });
      expect([...watcher.namesSeen], 'not even a temporary file').to.deep.equal([]);
      for (let i = 1; i <= 3; i++) {
        const failure = await faults.runtime.repository.getFailure({
          customerId: 'denied',
          fileName: `claims-${i}.csv`,
        });
        expect(failure?.retryCount, 'a permission error is not retried').to.equal(0);
      }
    });
  });

  describe('GIVEN a partner directory on a 2 MiB file system', () => {
    let mounted: string | undefined;
    after(async () => {
      if (mounted) await run('umount', [mounted]);
    });

    it('WHEN small files and then one larger than the free space land THEN the small ones are delivered, the large one fails as NO_SPACE at once and leaves nothing behind', async function () {
      const dir = faults.targetDir('deliveries/full');
      await mkdir(dir, { recursive: true });
      try {
        await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
        mounted = dir;
      } catch (error) {
        console.log(`      skipped: cannot mount a small tmpfs here (${(error as Error).message.split('\n')[0]})`);
        this.skip();
      }
      await faults.putWorkflow({
        id: 'full-to-partner',
        source: { type: 's3', bucket: faults.landingBucket },
        sourcePrefix: 'inbound/full/',
        targets: [faults.sftpTarget('partner', 'deliveries/full')],
        validationRegex: '.*',
        maxRetries: 2,
        backoff: { initialSeconds: 1, rate: 2, maxSeconds: 4 },
      });
      const watcher = new TargetWatcher([dir]);
      await watcher.start();
      const ledger = faults.ledger('target out of space');

      for (let i = 1; i <= 3; i++) {
        await faults.land(ledger, 'full', `small-${i}.csv`, 200 * KiB, {
          outcome: 'delivered',
          to: [{ kind: 'sftp', path: `${dir}/small-${i}.csv` }],
        });
      }
      await faults.runtime.idle(60_000);
      await faults.land(ledger, 'full', 'large.csv', 3 * MiB, {
        outcome: 'failed',
        reasonCode: 'NO_SPACE',
        lastError: /NO_SPACE|no space left/,
        to: [{ kind: 'sftp', path: `${dir}/large.csv` }],
      });

      const row = await faults.settle(ledger, watcher);
      expect(row).to.include({ files: 4, delivered: 3, 'failed as expected': 1 });
      expect((await readdir(dir)).sort(), 'no temporary file left on the full disk').to.deep.equal([
        'small-1.csv',
        'small-2.csv',
        'small-3.csv',
      ]);
    });
  });
});
