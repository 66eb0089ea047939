import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimQueuedTasks, commitTransitions, createDatabase, insertEntities, insertEntity, loadEntities, TransactionRequiredError,
  type Database, type DatabaseHandle,
} from '../../persistence/index.js';
import type { Kysely } from 'kysely';
import { at, newEntity, transition } from '../support/audit-fixtures.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

/** A barrier: resolves for everyone once `n` parties arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return async () => {
    arrived += 1;
    if (arrived === n) release();
    await all;
  };
}

/** One worker's claim: lock one queued task (SKIP LOCKED), optionally wait for the others, then start it in the same transaction. */
async function claimOne(db: Kysely<Database>, runId: string, worker: string, wait?: () => Promise<void>): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    const [task] = await claimQueuedTasks(trx, { limit: 1, runId });
    await wait?.();
    if (!task) return null;
    const [result] = await commitTransitions(trx, [transition('task', task.id, task.version, 'queued', 'running', { worker_id: worker, started_at: at(200) }, { transitionedAt: at(200) })]);
    expect(result).toEqual({ ok: true, version: task.version + 1 });
    return task.id;
  });
}

describe.each(testDatabases())('claimQueuedTasks (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it('returns queued tasks oldest first, filtered by capabilities, affinity and run', async () => {
    await insertEntities(h.db, [newEntity('run', 'c-run', 'pending'), newEntity('workstream', 'c-ws', 'ready', { run_id: 'c-run' })]);
    await insertEntities(h.db, [
      newEntity('task', 'c-3', 'queued', { required_capabilities: ['node'], run_id: 'c-run', workstream_id: 'c-ws' }, 3),
      newEntity('task', 'c-1', 'queued', { required_capabilities: ['node', 'git'] }, 1),
      newEntity('task', 'c-2', 'queued', {}, 2),
      newEntity('task', 'c-p', 'pending', {}, 0),
    ]);
    await h.db.transaction().execute(async (trx) => {
      expect((await claimQueuedTasks(trx, { limit: 10 })).map((t) => t.id)).toEqual(['c-1', 'c-2', 'c-3']);
      expect((await claimQueuedTasks(trx, { limit: 2 })).map((t) => t.id)).toEqual(['c-1', 'c-2']);
      expect((await claimQueuedTasks(trx, { limit: 10, capabilities: ['node'] })).map((t) => t.id)).toEqual(['c-2', 'c-3']);
      expect((await claimQueuedTasks(trx, { limit: 10, capabilities: [] })).map((t) => t.id)).toEqual(['c-2']);
      expect((await claimQueuedTasks(trx, { limit: 10, workstreamIds: ['c-ws'] })).map((t) => t.id)).toEqual(['c-3']);
      expect((await claimQueuedTasks(trx, { limit: 10, runId: 'c-run' })).map((t) => t.id)).toEqual(['c-3']);
      expect(await claimQueuedTasks(trx, { limit: 0 })).toEqual([]);
    });
  });

  it('refuses to run outside a transaction (the lock would end with the statement)', async () => {
    await expect(claimQueuedTasks(h.db, { limit: 1 })).rejects.toBeInstanceOf(TransactionRequiredError);
  });

  it('N concurrent claimers each get a distinct task; every task is claimed exactly once', async () => {
    const N = 8;
    const ids = Array.from({ length: 12 }, (_, i) => `q-${String(i).padStart(2, '0')}`);
    await insertEntity(h.db, newEntity('run', 'q-run', 'pending'));
    await insertEntities(h.db, ids.map((id) => newEntity('task', id, 'queued', { run_id: 'q-run' })));
    // PostgreSQL: one pool per claimer and a barrier after the SELECT, so all N hold their row locks
    // at once and only SKIP LOCKED keeps them apart. PGlite (one connection) serialises them.
    const pools: DatabaseHandle[] = h.url ? await Promise.all(Array.from({ length: N }, () => createDatabase({ url: h.url!, schema: h.schema!, max: 1 }))) : [];
    try {
      const wait = h.url ? barrier(N) : undefined;
      const dbs = pools.length > 0 ? pools.map((p) => p.db) : Array.from({ length: N }, () => h.db);
      const claimed = await Promise.all(dbs.map((db, i) => claimOne(db, 'q-run', `w-${i}`, wait)));
      expect(claimed.every((c) => c !== null)).toBe(true);
      expect(new Set(claimed).size).toBe(N);
      const rest = await Promise.all(dbs.map((db, i) => claimOne(db, 'q-run', `w-${i}`)));
      const all = [...claimed, ...rest].filter((c): c is string => c !== null);
      expect(all.sort()).toEqual(ids);
      const rows = await loadEntities(h.db, 'task', ids);
      expect([...rows.values()].every((t) => t.state === 'running' && t.version === 2)).toBe(true);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });

  it('while one claimer holds a task, another skips it instead of waiting (PGlite: after the first commits)', async () => {
    await insertEntities(h.db, [newEntity('run', 'solo-run', 'pending'), newEntity('task', 'solo', 'queued', { run_id: 'solo-run' }, 100)]);
    if (!h.url) {
      expect(await claimOne(h.db, 'solo-run', 'w-a')).toBe('solo');
      expect(await claimOne(h.db, 'solo-run', 'w-b')).toBeNull();
      return;
    }
    const other = await createDatabase({ url: h.url, schema: h.schema!, max: 1 });
    try {
      let locked!: () => void;
      let release!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const held = new Promise<void>((r) => (release = r));
      const first = h.db.transaction().execute(async (trx) => {
        const [task] = await claimQueuedTasks(trx, { limit: 1, runId: 'solo-run' });
        locked();
        await held;
        return task?.id ?? null;
      });
      await isLocked;
      // Were the row waited for instead of skipped, this would block until `first` ends: it never would.
      const second = await claimOne(other.db, 'solo-run', 'w-b');
      release();
      expect(await first).toBe('solo');
      expect(second).toBeNull();
    } finally {
      await other.close();
    }
  });
});
