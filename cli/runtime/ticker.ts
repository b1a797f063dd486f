/**
 * A periodic async job that never overlaps itself, and that can tell a waiter
 * when a whole run has finished after the moment it asked — what `idle()`
 * needs to know that a scan really looked after the last upload.
 */

/** Runs `job` every `intervalMs` until stopped; errors go to `onError` and the ticking goes on. */
export class Ticker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly job: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Resolves after a run that started after this call has finished (starting one now if none is due soon). */
  nextRun(): Promise<void> {
    return new Promise((resolve) => {
      const current = this.running;
      if (current) {
        // The run in progress may have started before the caller's change; wait for the one after it.
        void current.then(() => this.waiters.push(resolve));
        return;
      }
      this.waiters.push(resolve);
      this.schedule(0);
    });
  }

  /** Stops ticking and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    const waiting = this.waiters.splice(0);
    this.running = this.job().catch(this.onError);
    await this.running;
    this.running = undefined;
    for (const waiter of waiting) waiter();
    this.schedule(this.waiters.length > 0 ? 0 : this.intervalMs);
  }
}
