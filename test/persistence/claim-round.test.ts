import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  claimRound, ClaimChangedError, ConstraintViolationError, insertEntities, isPipelined, loadEntities,
  type EntityRecord,
} from '../../persistence/index.js';
import { at, newEntity, transition } from '../support/audit-fixtures.js';
import { oneConnectionSuite, testDatabases } from '../support/test-database.js';

// claimRound: lock, decide, commit in one transaction — on PostgreSQL in two pipelined round trips, on PGlite one
// statement after another. Whatever fails before the commit leaves nothing written and the connection out of any
// transaction: one connection, so the next claim runs on the very connection the failed one used.

/** `worker_started` of each locked row, as the actor layer would decide it (opaque snapshot, test hashes). */
const start = (worker: string) => (locked: readonly EntityRecord[]) =>
  locked.map((r) => transition('task', r.id, r.version, 'queued', 'running', { worker_id: worker, started_at: at(100) }, { transitionedAt: at(100) }));

describe.each(testDatabases())('claimRound (%s)', (kind) => {
  const one = oneConnectionSuite(kind);

  const states = async (ids: readonly string[]) => {
    const rows = await loadEntities(one.db, 'task', ids);
    return ids.map((id) => [rows.get(id)?.state, rows.get(id)?.version]);
  };
  const audits = async (runId: string) =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM state_transitions t JOIN tasks ON tasks.id = t.entity_id WHERE tasks.run_id = ${runId}`.execute(one.db)).rows[0]!.n;
  /** On PostgreSQL: the one connection is in no transaction (a statement of its own starts one). */
  const outsideTransaction = async () => {
    if (kind !== 'postgres') return true;
    const { rows } = await sql<{ fresh: boolean }>`SELECT xact_start = query_start AS fresh FROM pg_stat_activity WHERE pid = pg_backend_pid()`.execute(one.db);
    return rows[0]!.fresh;
  };
  const queue = async (runId: string, n: number) => {
    await insertEntities(one.db, [newEntity('run', runId, 'pending')]);
    const ids = Array.from({ length: n }, (_, i) => `${runId}-t${i}`);
    await insertEntities(one.db, ids.map((id, i) => newEntity('task', id, 'queued', { run_id: runId }, i)));
    return ids;
  };

  it('runs pipelined on PostgreSQL pools from createDatabase, statement by statement on PGlite', () => {
    expect(isPipelined(one.db)).toBe(kind === 'postgres');
  });

  it('locks the oldest queued tasks, commits their transitions with their audit rows, returns the locked rows', async () => {
    const ids = await queue('r-ok', 3);
    const locked = await claimRound(one.db, { limit: 2, runId: 'r-ok' }, start('w-1'));
    expect(locked.map((r) => [r.id, r.version])).toEqual([[ids[0], 1], [ids[1], 1]]);
    expect(await states(ids)).toEqual([['running', 2], ['running', 2], ['queued', 1]]);
    expect(await audits('r-ok')).toBe(5);
    expect(await claimRound(one.db, { limit: 5, runId: 'r-none' }, start('w-1'))).toEqual([]);
  });

  it('a decision that throws: nothing written, the tasks still queued, the connection free for the next claim', async () => {
    const ids = await queue('r-throw', 2);
    await expect(claimRound(one.db, { limit: 5, runId: 'r-throw' }, () => { throw new Error('refused'); })).rejects.toThrow('refused');
    expect(await outsideTransaction()).toBe(true);
    expect(await states(ids)).toEqual([['queued', 1], ['queued', 1]]);
    // Through the other pool on PostgreSQL: rows still locked by the failed claim would be skipped.
    expect((await claimRound(one.all.db, { limit: 5, runId: 'r-throw' }, start('w-2'))).map((r) => r.id)).toEqual(ids);
    expect(await states(ids)).toEqual([['running', 2], ['running', 2]]);
  });

  it('a write the schema refuses rolls the whole claim back (its COMMIT too), the connection free again', async () => {
    const ids = await queue('r-bad', 2);
    // `running` without a worker: tasks_worker_id_iff_state refuses the second row, so the first one's move is undone.
    const bad = (locked: readonly EntityRecord[]) => locked.map((r, i) => transition('task', r.id, r.version, 'queued', 'running', i === 0 ? { worker_id: 'w-3', started_at: at(100) } : { started_at: at(100) }, { transitionedAt: at(100) }));
    const error = await claimRound(one.db, { limit: 5, runId: 'r-bad' }, bad).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConstraintViolationError);
    expect(error).toMatchObject({ constraint: 'tasks_worker_id_iff_state' });
    expect(await outsideTransaction()).toBe(true);
    expect(await states(ids)).toEqual([['queued', 1], ['queued', 1]]);
    expect(await audits('r-bad')).toBe(2);
    expect((await claimRound(one.db, { limit: 5, runId: 'r-bad' }, start('w-3'))).map((r) => r.id)).toEqual(ids);
  });

  it('transitions that do not match the locked rows (one missing, a wrong version) are refused before anything is sent', async () => {
    const ids = await queue('r-mismatch', 2);
    await expect(claimRound(one.db, { limit: 5, runId: 'r-mismatch' }, (locked) => start('w-4')(locked).slice(1))).rejects.toBeInstanceOf(ClaimChangedError);
    await expect(
      claimRound(one.db, { limit: 5, runId: 'r-mismatch' }, (locked) => start('w-4')(locked).map((t, i) => (i === 1 ? transition('task', t.id, 7, 'queued', 'running', t.columns) : t))),
    ).rejects.toMatchObject({ name: 'ClaimChangedError', id: ids[1] });
    expect(await outsideTransaction()).toBe(true);
    expect(await states(ids)).toEqual([['queued', 1], ['queued', 1]]);
    expect(await audits('r-mismatch')).toBe(2);
  });
});
