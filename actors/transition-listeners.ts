import type { AnyCommittedTransition } from './entity-view.js';

/** Called after a transition committed; may be async (not awaited by the commit path). */
export type TransitionListener = (t: AnyCommittedTransition) => void | Promise<void>;

/** The set of transition listeners of one actor system; a listener's failure is rethrown, never swallowed. */
export class TransitionListeners {
  private readonly set = new Set<TransitionListener>();

  /** Adds a listener; returns its removal. */
  add(listener: TransitionListener): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  /** Whether any listener is registered (the commit path builds transitions for them only then). */
  get active(): boolean {
    return this.set.size > 0;
  }

  /** Tells every listener about every transition, in commit order. */
  emit(ts: readonly AnyCommittedTransition[]): void {
    for (const t of ts) {
      for (const l of this.set) {
        try {
          const r = l(t);
          if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).catch(rethrow);
        } catch (err) {
          rethrow(err);
        }
      }
    }
  }
}

/** A listener's error must not break the commit path nor vanish: it surfaces as an uncaught error. */
function rethrow(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}
