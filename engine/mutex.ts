/**
 * A promise-chain mutex: `run(fn)` runs `fn` once every earlier `run` has settled. The engine's lanes use it to take
 * turns at the steps that read and decide shared state (workstream derivation, run settlement, repository-level git
 * operations), while the task commands themselves run concurrently outside it.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` exclusively; resolves or rejects with its result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }
}
