import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The copy engine's temporary names: `.<name>.<hex>.fileflow-part`, hidden until renamed into place. */
const TEMPORARY_NAME = /^\..+\.fileflow-part$/;

/** One version of a final name as the watcher saw it: a new inode is a new delivery. */
export interface Sighting {
  readonly inode: number;
  readonly size: number;
  readonly sha256: string;
}

/**
 * Watches target directories while a scenario runs: every name that was ever
 * visible, and for every final (non-temporary) name each version that appeared
 * there with its size and SHA-256, read the moment it was seen. inotify
 * (`fs.watch`) reports each change as it happens; a listing every
 * `pollMs` catches anything an event missed.
 */
export class TargetWatcher {
  /** Every name ever visible, temporary ones included (`dir/name`). */
  readonly namesSeen = new Set<string>();
  private readonly sightings = new Map<string, Sighting[]>();
  private readonly watchers: FSWatcher[] = [];
  private readonly pending = new Map<string, Promise<void>>();
  private poller?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private readonly errors: unknown[] = [];

  constructor(
    private readonly directories: readonly string[],
    private readonly pollMs = 200,
  ) {}

  /** Starts watching; the directories must exist. */
  async start(): Promise<void> {
    for (const directory of this.directories) {
      this.watchers.push(
        watch(directory, (_event, name) => {
          if (name) this.look(directory, name.toString());
        }),
      );
    }
    await this.poll();
    const tick = (): void => {
      this.polling = this.poll().finally(() => {
        if (this.poller) this.poller = setTimeout(tick, this.pollMs);
      });
    };
    this.poller = setTimeout(tick, this.pollMs);
  }

  /** Stops watching after one last look at every directory. */
  async stop(): Promise<void> {
    clearTimeout(this.poller);
    this.poller = undefined;
    for (const watcher of this.watchers.splice(0)) watcher.close();
    await this.polling;
    await this.poll();
    if (this.errors.length > 0) throw new Error(`the target watcher failed: ${String(this.errors[0])}`);
  }

  /** Each version seen at a final path (`directory/name`), oldest first. */
  sightingsOf(path: string): readonly Sighting[] {
    return this.sightings.get(path) ?? [];
  }

  /** Every final path seen. */
  finalPaths(): string[] {
    return [...this.sightings.keys()];
  }

  private async poll(): Promise<void> {
    await Promise.all(
      this.directories.map(async (directory) => {
        const names = await readdir(directory).catch(() => [] as string[]);
        await Promise.all(names.map((name) => this.look(directory, name)));
      }),
    );
  }

  /** Reads `directory/name` once per inode; serialised per path so two looks never race. */
  private look(directory: string, name: string): Promise<void> {
    const path = join(directory, name);
    this.namesSeen.add(path);
    if (TEMPORARY_NAME.test(name)) return Promise.resolve();
    const previous = this.pending.get(path) ?? Promise.resolve();
    const next = previous.then(() => this.read(path)).catch((error: unknown) => void this.errors.push(error));
    this.pending.set(path, next);
    return next;
  }

  private async read(path: string): Promise<void> {
    // Opened first: the inode and the bytes then belong to one version even if it is replaced meanwhile.
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR') return undefined;
      throw error;
    });
    if (!handle) return;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return;
      const seen = this.sightings.get(path) ?? [];
      if (seen.some((s) => s.inode === stats.ino && s.size === stats.size)) return;
      const hash = createHash('sha256');
      for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
      seen.push({ inode: stats.ino, size: stats.size, sha256: hash.digest('hex') });
      this.sightings.set(path, seen);
    } finally {
      await handle.close();
    }
  }
}
