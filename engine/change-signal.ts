/**
 * Wakes the engine's waiting lanes when something they wait for may have changed (a transition committed in this
 * process, a worker slot given back), instead of each polling on a short timer. A lane reads `version` before it looks
 * at the state it waits on, then calls `wait(version, maxMs)`: a change in between is never lost (the wait returns at
 * once). `maxMs` bounds the wait for what no signal reports (other processes' transitions, the clock).
 */
export class ChangeSignal {
  private count = 0;
  private waiters = new Set<() => void>();

  /** Changes seen so far; pass it to {@link ChangeSignal.wait}. */
  get version(): number {
    return this.count;
  }

  /** Records a change and wakes every waiter. */
  notify(): void {
    this.count++;
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  /** Resolves on the next change after `seen` (at once if there was one already), or after `maxMs`. */
  wait(seen: number, maxMs: number): Promise<void> {
    if (this.count !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, maxMs));
      this.waiters.add(done);
    });
  }
}
