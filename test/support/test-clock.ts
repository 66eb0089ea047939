import type { Clock } from '../../engine/index.js';

/**
 * A clock for engine tests whose waits take no time: it runs with the wall clock, and `sleep(ms)` moves it `ms`
 * ahead at once (then yields a macrotask), so a retry delay or a breaker cooldown of minutes is over in milliseconds
 * while every rule still compares the times it would have seen. Give the actors the same `now`.
 */
export class TestClock implements Clock {
  private skipped = 0;

  /** Milliseconds the clock was moved ahead of the wall clock so far. */
  get skippedMs(): number {
    return this.skipped;
  }

  now(): number {
    return Date.now() + this.skipped;
  }

  /** Moves the clock `ms` ahead. */
  advance(ms: number): void {
    this.skipped += Math.max(0, ms);
  }

  async sleep(ms: number): Promise<void> {
    this.advance(ms);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
