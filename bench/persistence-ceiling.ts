import type { Kysely } from 'kysely';
import { decideTransition, loadedEntity, transitionItem, type LoadedEntity, type PersistedActors } from '../actors/index.js';
import { commitTransitions, loadEntities, type Database } from '../persistence/index.js';

/** Options of {@link persistenceCeiling}. */
export interface CeilingOptions {
  /** Entities (one transition each per round); default 8,000. */
  readonly entities?: number;
  /** Transitions per `commitTransitions` call; default 1,000. */
  readonly batch?: number;
  /** Calls in flight at once (one connection each); default 2. */
  readonly connections?: number;
  /** Rounds measured (the median is returned); default 3. */
  readonly rounds?: number;
}

/**
 * The persistence layer's ceiling: transitions/s of `commitTransitions` alone, every transition decided beforehand
 * (machine step, audit row, hash chain — not timed), written in batches on several connections with every CHECK,
 * index, the append-only trigger and the per-entity version guard in place.
 */
export async function persistenceCeiling(db: Kysely<Database>, actors: PersistedActors, opts: CeilingOptions = {}): Promise<number> {
  const n = opts.entities ?? 8000;
  const size = opts.batch ?? 1000;
  const ids = Array.from({ length: n }, (_, i) => `ceiling-${i}`);
  for (let k = 0; k < n; k += 500) {
    await Promise.all(ids.slice(k, k + 500).map((id) => actors.create('circuit_breaker', id, { failure_threshold: 1_000_000_000 })));
  }
  const found = await loadEntities(db, 'circuit_breaker', ids);
  let entities: LoadedEntity[] = ids.map((id) => loadedEntity(found.get(id)!));
  const rates: number[] = [];
  for (let round = 0; round < (opts.rounds ?? 3); round++) {
    const now = Date.now() + round;
    const decisions = entities.map((e) => decideTransition(e, { type: round % 2 ? 'call_succeeded' : 'call_failed', now }, { clampTime: true }));
    const items = decisions.map(transitionItem);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: opts.connections ?? 2 }, async () => {
        while (next < n) {
          const start = next;
          next += size;
          const results = await commitTransitions(db, items.slice(start, start + size));
          if (!results.every((r) => r.ok)) throw new Error('ceiling run lost a version race: is something else writing these rows?');
        }
      }),
    );
    rates.push(n / ((performance.now() - t0) / 1000));
    entities = decisions.map((d) => d.next);
  }
  return [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
}
