import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, verifyAudit } from '../../actors/index.js';
import { readHistory } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

const ENTITIES = 120;

// Small batches, several in flight: the queue then holds sends of entities whose earlier sends are still being
// committed next to sends of idle entities — the first must wait, the second may go ahead.
describe.each(testDatabases())('pipelined group commit (%s)', (kind) => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    actors = new PersistedActors({ db: tdb.db, maxBatch: 25, maxInFlight: 4 });
    for (let i = 0; i < ENTITIES; i++) await actors.create('circuit_breaker', `p-${i}`, { failure_threshold: 1_000_000 });
  });
  afterAll(async () => {
    await actors.close();
    await tdb.close();
  });

  it('commits every send once, in send order per entity, while other entities’ batches go ahead', async () => {
    // Waves: every entity once, then the first half again, then every entity again, then the second half again.
    const waves = [[0, ENTITIES], [0, ENTITIES / 2], [0, ENTITIES], [ENTITIES / 2, ENTITIES]] as const;
    const sent = new Map<string, string[]>();
    const sends: Promise<unknown>[] = [];
    waves.forEach(([from, to], w) => {
      for (let i = from; i < to; i++) {
        const id = `p-${i}`;
        const error = `wave ${w}`;
        sent.set(id, [...(sent.get(id) ?? []), error]);
        sends.push(actors.send('circuit_breaker', id, { type: 'call_failed', error }));
      }
    });
    await Promise.all(sends);
    for (const [id, errors] of sent) {
      const history = await readHistory(tdb.db, 'circuit_breaker', id);
      expect(history.map((r) => r.seq), id).toEqual(Array.from({ length: 1 + errors.length }, (_, k) => k + 1));
      expect(history.slice(1).map((r) => (r.metadata['event'] as { error: string }).error), id).toEqual(errors);
      expect((await actors.load('circuit_breaker', id)).context.failure_count, id).toBe(errors.length);
    }
    expect((await verifyAudit(tdb.db)).ok).toBe(true);
  });
});
