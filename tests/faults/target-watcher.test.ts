import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { TargetWatcher } from './support/target-watcher';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Waits until `condition` holds (the watcher reacts to inotify events, so this is quick). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('Fault injection harness: the target watcher sees what a partner would see', function () {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fileflow-watcher-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('GIVEN a file written in place under its final name WHEN the watcher looks while it is half written THEN it records the partial version with its own digest', async () => {
    const watcher = new TargetWatcher([dir]);
    await watcher.start();
    const path = join(dir, 'report.csv');
    const first = randomBytes(4096);
    const rest = randomBytes(4096);

    await writeFile(path, first);
    await until(() => watcher.sightingsOf(path).length > 0);
    await appendFile(path, rest);
    await watcher.stop();

    expect(watcher.sightingsOf(path).map((s) => s.sha256)).to.deep.equal([
      sha256(first),
      sha256(Buffer.concat([first, rest])),
    ]);
  });

  it('GIVEN a file delivered by temporary name and rename WHEN it is delivered a second time THEN the watcher counts two versions and notes the temporary name without taking it for a delivery', async () => {
    const watcher = new TargetWatcher([dir]);
    await watcher.start();
    const path = join(dir, 'report.csv');
    const bytes = randomBytes(8192);

    for (const attempt of [1, 2]) {
      const temporary = join(dir, `.report.csv.${attempt}a2b3c.fileflow-part`);
      await writeFile(temporary, bytes);
      await rename(temporary, path);
      await until(() => watcher.sightingsOf(path).length === attempt);
    }
    await watcher.stop();

    expect(watcher.sightingsOf(path).map((s) => s.sha256)).to.deep.equal([sha256(bytes), sha256(bytes)]);
    expect(watcher.finalPaths()).to.deep.equal([path]);
    expect([...watcher.namesSeen].some((name) => name.endsWith('.fileflow-part'))).to.equal(true);
  });
});
