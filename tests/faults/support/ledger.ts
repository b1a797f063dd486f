import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalRuntime } from '../../../cli/runtime/local-runtime';
import { sha256OfObject } from '../../fixtures/files';
import type { TargetWatcher } from './target-watcher';

/** Where a file should arrive: a watched SFTP path on disk, or an S3 object. */
export type Destination =
  | { readonly kind: 'sftp'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string };

/** What a scenario expects of one file. */
export type Expectation =
  | { readonly outcome: 'delivered'; readonly to: readonly Destination[] }
  /** In the failure queue with this reason and a FAILURE notification logged; nothing visible at `to`. */
  | {
      readonly outcome: 'failed';
      readonly reasonCode: string;
      /** What the recorded error must say (the underlying cause of RETRIES_EXHAUSTED, say). */
      readonly lastError?: RegExp;
      readonly to: readonly Destination[];
    }
  /** A message the pipe could never start: in the dead-letter queue. */
  | { readonly outcome: 'dead-lettered'; readonly body: string };

/** One file (or message) a scenario put into the pipeline. */
export interface TrackedFile {
  /** Customer and file name as the pipeline records them (message bodies have none). */
  readonly customerId: string;
  readonly fileName: string;
  /** The landing object, which must still hold the same bytes afterwards. */
  readonly landing?: { readonly bucket: string; readonly key: string };
  readonly sha256: string;
  readonly expect: Expectation;
}

/** One line of the suite's table (a type alias, so it is a plain record for `formatTable`). */
export type ScenarioRow = {
  readonly scenario: string;
  readonly files: number;
  readonly delivered: number;
  readonly 'failed as expected': number;
  readonly lost: number;
  readonly duplicated: number;
};

/** Rows of every scenario run in this process, printed once by the suite's root hook. */
export const scenarioRows: ScenarioRow[] = [];

/** The outcome of a scenario: its row, and what went wrong, file by file. */
export interface Accounting {
  readonly row: ScenarioRow;
  /** One line per broken promise (a lost, duplicated, partial or wrongly failed file). */
  readonly problems: readonly string[];
}

/**
 * The accounting ledger of one scenario: per file its source digest, how many
 * times each destination received it (distinct versions the watcher saw at
 * the final name, or COPIED audit entries for S3), the failure-queue entry
 * and the notification log. A file is delivered (exactly once everywhere, the
 * right bytes), failed as expected (named reason, notified, nothing at the
 * target), or lost; on top of that it may be duplicated.
 */
export class ScenarioLedger {
  private readonly files: TrackedFile[] = [];

  constructor(
    readonly scenario: string,
    private readonly runtime: LocalRuntime,
    private readonly s3: S3Client,
  ) {}

  track(file: TrackedFile): TrackedFile {
    this.files.push(file);
    return file;
  }

  get size(): number {
    return this.files.length;
  }

  /** Accounts every file; `watcher` must have been stopped (its last look taken). */
  async account(watcher?: TargetWatcher): Promise<Accounting> {
    const problems: string[] = [];
    let delivered = 0;
    let failedAsExpected = 0;
    let lost = 0;
    let duplicated = 0;
    const expectedAt = new Map<string, string>();
    for (const file of this.files) {
      if (file.expect.outcome === 'dead-lettered') continue;
      for (const to of file.expect.to) if (to.kind === 'sftp') expectedAt.set(to.path, file.sha256);
    }
    // Anything that ever appeared under a final name must be a whole delivery of a file the scenario sent.
    for (const path of watcher?.finalPaths() ?? []) {
      const expected = expectedAt.get(path);
      for (const sighting of watcher!.sightingsOf(path)) {
        if (expected === undefined) problems.push(`${path}: an unexpected file became visible`);
        else if (sighting.sha256 !== expected) {
          problems.push(`${path}: visible with ${sighting.size} bytes that are not the source's (partial or corrupt)`);
        }
      }
    }

    for (const file of this.files) {
      const name = `${file.customerId}/${file.fileName}`;
      const fileProblems: string[] = [];
      if (file.landing && (await this.objectSha256(file.landing.bucket, file.landing.key)) !== file.sha256) {
        fileProblems.push(`${name}: the landing object is gone or changed`);
      }
      const { expect } = file;
      if (expect.outcome === 'dead-lettered') {
        const dead = this.runtime.deadLetters.filter((letter) => letter.body === expect.body);
        if (dead.length !== 1) fileProblems.push(`${name}: ${dead.length} dead letters, expected 1`);
        if (fileProblems.length === 0) failedAsExpected += 1;
        else lost += 1;
        problems.push(...fileProblems);
        continue;
      }
      const deliveries = await Promise.all(expect.to.map((to) => this.deliveries(file, to, watcher)));
      // A duplicate is counted on its own; the file is still delivered or failed as expected besides.
      if (deliveries.some((d) => d.count > 1)) {
        duplicated += 1;
        problems.push(`${name}: delivered ${deliveries.map((d) => d.count).join('/')} times`);
      }
      const failure = await this.runtime.repository.getFailure(file);
      const notices = await this.runtime.repository.notificationsForFile(file);
      if (expect.outcome === 'delivered') {
        deliveries.forEach((d, i) => {
          if (d.count === 0 && !d.present) fileProblems.push(`${name}: never reached ${describe(expect.to[i]!)}`);
          if (!d.intact) fileProblems.push(`${name}: ${describe(expect.to[i]!)} does not hold the source's bytes`);
        });
        if (failure && !failure.resolution) {
          fileProblems.push(`${name}: delivered but in the failure queue (${failure.reasonCode})`);
        }
        if (fileProblems.length === 0) delivered += 1;
      } else {
        if (!failure) fileProblems.push(`${name}: not in the failure queue`);
        else if (failure.reasonCode !== expect.reasonCode) {
          fileProblems.push(
            `${name}: failed with ${failure.reasonCode} (${failure.lastError}), expected ${expect.reasonCode}`,
          );
        }
        if (failure && expect.lastError && !expect.lastError.test(failure.lastError)) {
          fileProblems.push(`${name}: failure says "${failure.lastError}", expected ${String(expect.lastError)}`);
        }
        if (!notices.some((notice) => notice.event === 'FAILURE')) {
          fileProblems.push(`${name}: no FAILURE notification logged`);
        }
        deliveries.forEach((d, i) => {
          if (d.count > 0 || d.present) fileProblems.push(`${name}: failed, yet visible at ${describe(expect.to[i]!)}`);
        });
        if (fileProblems.length === 0) failedAsExpected += 1;
      }
      if (fileProblems.length > 0) lost += 1;
      problems.push(...fileProblems);
    }
    const row = {
      scenario: this.scenario,
      files: this.files.length,
      delivered,
      'failed as expected': failedAsExpected,
      lost,
      duplicated,
    };
    scenarioRows.push(row);
    return { row, problems };
  }

  /** How many times `file` arrived at `to`, whether it is there now, and whether every arrival was whole. */
  private async deliveries(
    file: TrackedFile,
    to: Destination,
    watcher?: TargetWatcher,
  ): Promise<{ count: number; present: boolean; intact: boolean }> {
    if (to.kind === 'sftp') {
      const now = await readFile(to.path).catch(() => undefined);
      const present = now !== undefined;
      const sightings = watcher?.sightingsOf(to.path) ?? [];
      const intact = present && sha256(now) === file.sha256 && sightings.every((s) => s.sha256 === file.sha256);
      // Without a watcher only the final state is known: present means once.
      return { count: watcher ? sightings.length : Number(present), present, intact };
    }
    const digest = await this.objectSha256(to.bucket, to.key);
    const copies = (await this.runtime.repository.auditTrail(file)).filter((entry) => entry.eventType === 'COPIED');
    const present = digest !== undefined;
    return { count: present ? Math.max(1, copies.length) : copies.length, present, intact: digest === file.sha256 };
  }

  private async objectSha256(bucket: string, key: string): Promise<string | undefined> {
    try {
      return await sha256OfObject(this.s3, bucket, key);
    } catch {
      return undefined;
    }
  }
}

function describe(to: Destination): string {
  return to.kind === 'sftp' ? `sftp ${to.path}` : `s3://${to.bucket}/${to.key}`;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
