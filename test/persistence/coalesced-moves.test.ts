import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTransitions, inTransaction, insertEntities, loadEntity, readHistory, type Database } from '../../persistence/index.js';
import { at, newEntity, transition } from '../support/audit-fixtures.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

/** Row versions `commitTransitions` wrote into `tasks` in one transaction (the transaction's own statistics). */
async function taskUpdates(db: Kysely<Database>, items: Parameters<typeof commitTransitions>[1]): Promise<{ updates: number; results: Awaited<ReturnType<typeof commitTransitions>> }> {
  return inTransaction(db, async (trx) => {
    const results = await commitTransitions(trx, items);
    const { rows } = await sql<{ n: number }>`SELECT pg_stat_get_xact_tuples_updated('tasks'::regclass)::int AS n`.execute(trx);
    return { updates: rows[0]!.n, results };
  });
}

describe.each(testDatabases())('coalesced moves: consecutive transitions of one entity in one batch (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it('write the row once, in the last state, with one audit row per transition in batch order', async () => {
    await insertEntities(h.db, [newEntity('task', 'c-a', 'pending'), newEntity('task', 'c-b', 'pending')]);
    const a1 = transition('task', 'c-a', 1, 'pending', 'queued');
    const b1 = transition('task', 'c-b', 1, 'pending', 'queued');
    const a2 = transition('task', 'c-a', 2, 'queued', 'running', { worker_id: 'w-1', started_at: at(3) });
    const a3 = transition('task', 'c-a', 3, 'running', 'validating', { worker_id: null });
    const { updates, results } = await taskUpdates(h.db, [a1, b1, a2, a3]);
    expect(results).toEqual([{ ok: true, version: 2 }, { ok: true, version: 2 }, { ok: true, version: 3 }, { ok: true, version: 4 }]);
    // Two rows moved: c-a once for its three transitions, c-b once.
    expect(updates).toBe(2);
    const row = (await loadEntity(h.db, 'task', 'c-a'))!;
    expect(row).toMatchObject({ state: 'validating', version: 4, lastHash: a3.audit.hash, snapshot: { value: 'validating', seq: 4 } });
    // Each column takes the last value any transition gave it; one given once is kept.
    expect(row.columns).toMatchObject({ worker_id: null });
    expect((row.columns['started_at'] as Date).getTime()).toBe(at(3));
    expect(row.updatedAt.getTime()).toBe(at(4));
    const history = await readHistory(h.db, 'task', 'c-a');
    expect(history.map((r) => [r.seq, r.fromState, r.toState, r.eventId])).toEqual([
      [1, null, 'pending', history[0]!.eventId],
      [2, 'pending', 'queued', a1.audit.eventId],
      [3, 'queued', 'running', a2.audit.eventId],
      [4, 'running', 'validating', a3.audit.eventId],
    ]);
    expect(history.slice(1).map((r) => r.prevHash)).toEqual(history.slice(0, -1).map((r) => r.hash));
    // Audit ids follow the batch: a1 < b1 < a2 < a3.
    const { rows } = await sql<{ event_id: string }>`
      SELECT event_id FROM state_transitions WHERE event_id IN (${sql.join([a1, b1, a2, a3].map((t) => t.audit.eventId))}) ORDER BY id`.execute(h.db);
    expect(rows.map((r) => r.event_id)).toEqual([a1, b1, a2, a3].map((t) => t.audit.eventId));
  });

  it('a move refused by its version guard writes none of its audit rows; the others commit', async () => {
    await insertEntities(h.db, [newEntity('task', 'c-stale', 'pending'), newEntity('task', 'c-fresh', 'pending')]);
    await commitTransitions(h.db, [transition('task', 'c-stale', 1, 'pending', 'queued')]);
    const results = await commitTransitions(h.db, [
      transition('task', 'c-stale', 1, 'pending', 'queued'),
      transition('task', 'c-fresh', 1, 'pending', 'queued'),
      transition('task', 'c-stale', 2, 'queued', 'running', { worker_id: 'w-2', started_at: at(3) }),
    ]);
    expect(results).toEqual([{ ok: false, actualVersion: 2 }, { ok: true, version: 2 }, { ok: false, actualVersion: 2 }]);
    expect((await readHistory(h.db, 'task', 'c-stale')).map((r) => r.toState)).toEqual(['pending', 'queued']);
    expect((await loadEntity(h.db, 'task', 'c-stale'))!.state).toBe('queued');
    expect((await loadEntity(h.db, 'task', 'c-fresh'))!.version).toBe(2);
  });

  it('the database still checks every audit row: a move whose middle step names no state of the machine is refused whole', async () => {
    await insertEntities(h.db, [newEntity('task', 'c-bad', 'pending')]);
    const error = await commitTransitions(h.db, [
      transition('task', 'c-bad', 1, 'pending', 'nowhere'),
      transition('task', 'c-bad', 2, 'nowhere', 'queued'),
    ]).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConstraintViolationError' });
    expect((await loadEntity(h.db, 'task', 'c-bad'))!.version).toBe(1);
    expect((await readHistory(h.db, 'task', 'c-bad')).length).toBe(1);
  });
});
