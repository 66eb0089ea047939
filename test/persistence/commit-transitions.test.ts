import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchOrderError, commitTransition, commitTransitions, ConstraintViolationError, createDatabase, EntityNotFoundError,
  insertEntities, insertEntity, loadEntity, OptimisticLockError, readHistory, UnknownColumnError, type DatabaseHandle,
} from '../../persistence/index.js';
import { at, newEntity, transition } from '../support/audit-fixtures.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

async function auditRows(h: DatabaseHandle, id: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM state_transitions WHERE entity_id = ${id}`.execute(h.db);
  return rows[0]!.n;
}

describe.each(testDatabases())('commitTransitions (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it('commits a transition: state, snapshot, columns, version + 1, last_hash, updated_at and one audit row', async () => {
    await insertEntity(h.db, newEntity('run', 'r-ok', 'pending'));
    const item = transition('run', 'r-ok', 1, 'pending', 'running', { started_at: at(2) }, { metadata: { k: 1 }, runId: 'r-ok' });
    expect(await commitTransitions(h.db, [item])).toEqual([{ ok: true, version: 2 }]);
    const rec = (await loadEntity(h.db, 'run', 'r-ok'))!;
    expect(rec).toMatchObject({ state: 'running', version: 2, snapshot: { value: 'running', seq: 2 }, lastHash: item.audit.hash });
    expect((rec.columns['started_at'] as Date).getTime()).toBe(at(2));
    expect(rec.updatedAt.getTime()).toBe(at(2));
    const history = await readHistory(h.db, 'run', 'r-ok');
    expect(history.map((r) => [r.seq, r.fromState, r.toState])).toEqual([[1, null, 'pending'], [2, 'pending', 'running']]);
    expect(history[1]).toMatchObject({ eventId: item.audit.eventId, trigger: 'to_running', metadata: { k: 1 }, runId: 'r-ok', prevHash: history[0]!.hash });
  });

  it('a version conflict returns ok:false with the actual version and writes no audit row', async () => {
    await insertEntity(h.db, newEntity('task', 't-conflict', 'pending'));
    expect(await commitTransitions(h.db, [transition('task', 't-conflict', 1, 'pending', 'queued')])).toEqual([{ ok: true, version: 2 }]);
    const stale = transition('task', 't-conflict', 1, 'pending', 'blocked', { blocked_by: ['x'] });
    expect(await commitTransitions(h.db, [stale])).toEqual([{ ok: false, actualVersion: 2 }]);
    expect(await auditRows(h, 't-conflict')).toBe(2);
    expect((await loadEntity(h.db, 'task', 't-conflict'))!.state).toBe('queued');
    expect(await commitTransitions(h.db, [transition('task', 'nobody', 1, 'pending', 'queued')])).toEqual([{ ok: false, actualVersion: null }]);
  });

  it('a batch with one conflicting item still commits the others, across tables', async () => {
    await insertEntities(h.db, [
      newEntity('task', 'b-1', 'pending'), newEntity('task', 'b-2', 'pending'), newEntity('task', 'b-3', 'pending'),
      newEntity('worker', 'b-w', 'initializing'),
    ]);
    const results = await commitTransitions(h.db, [
      transition('task', 'b-1', 1, 'pending', 'queued'),
      transition('task', 'b-2', 7, 'pending', 'queued'),
      transition('worker', 'b-w', 1, 'initializing', 'idle', { capabilities: ['node'], last_heartbeat: at(2) }),
      transition('task', 'b-3', 1, 'pending', 'blocked', { blocked_by: ['b-1'] }),
    ]);
    expect(results).toEqual([{ ok: true, version: 2 }, { ok: false, actualVersion: 1 }, { ok: true, version: 2 }, { ok: true, version: 2 }]);
    expect(await auditRows(h, 'b-2')).toBe(1);
    expect((await loadEntity(h.db, 'worker', 'b-w'))!.columns).toMatchObject({ capabilities: ['node'] });
    expect((await loadEntity(h.db, 'task', 'b-3'))!.columns).toMatchObject({ blocked_by: ['b-1'] });
  });

  it('chains consecutive versions of one entity in one batch; a failed link fails its successors', async () => {
    await insertEntities(h.db, [newEntity('test_gate', 'g-chain', 'PENDING', { gate_type: 'LINT' }), newEntity('test_gate', 'g-stale', 'PENDING', { gate_type: 'LINT' })]);
    const chain = [
      transition('test_gate', 'g-chain', 1, 'PENDING', 'RUNNING', { started_at: at(2) }),
      transition('test_gate', 'g-stale', 3, 'PENDING', 'RUNNING', { started_at: at(2) }),
      transition('test_gate', 'g-chain', 2, 'RUNNING', 'PASSED', { exit_code: 0, completed_at: at(3), duration_ms: 1000 }),
      transition('test_gate', 'g-stale', 4, 'RUNNING', 'FAILED', { exit_code: 1, completed_at: at(3) }),
    ];
    expect(await commitTransitions(h.db, chain)).toEqual([
      { ok: true, version: 2 }, { ok: false, actualVersion: 1 }, { ok: true, version: 3 }, { ok: false, actualVersion: 1 },
    ]);
    expect((await readHistory(h.db, 'test_gate', 'g-chain')).map((r) => r.toState)).toEqual(['PENDING', 'RUNNING', 'PASSED']);
    expect(await auditRows(h, 'g-stale')).toBe(1);
  });

  it('refuses a batch whose items of one entity skip a version or break the hash chain, before writing', async () => {
    await insertEntity(h.db, newEntity('uet_worker', 'u-order', 'SPAWNING'));
    const a = transition('uet_worker', 'u-order', 1, 'SPAWNING', 'IDLE');
    await expect(commitTransitions(h.db, [a, transition('uet_worker', 'u-order', 3, 'BUSY', 'IDLE')])).rejects.toBeInstanceOf(BatchOrderError);
    const badLink = transition('uet_worker', 'u-order', 2, 'IDLE', 'BUSY', { current_task: 't' }, { prevHash: 'f'.repeat(64) });
    await expect(commitTransitions(h.db, [a, badLink])).rejects.toMatchObject({ name: 'BatchOrderError', id: 'u-order' });
    await expect(commitTransitions(h.db, [transition('uet_worker', 'u-order', 1, 'SPAWNING', 'IDLE', { colour: 1 })])).rejects.toBeInstanceOf(UnknownColumnError);
    expect((await loadEntity(h.db, 'uet_worker', 'u-order'))!.version).toBe(1);
  });

  it('a constraint violation aborts the whole batch: no row and no audit row of any item is written', async () => {
    await insertEntities(h.db, [newEntity('task', 'v-ok', 'pending'), newEntity('task', 'v-bad', 'queued')]);
    const error = await commitTransitions(h.db, [
      transition('task', 'v-ok', 1, 'pending', 'queued'),
      transition('task', 'v-bad', 1, 'queued', 'running', { started_at: at(2) }),
    ]).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConstraintViolationError);
    expect(error).toMatchObject({ constraint: 'tasks_worker_id_iff_state' });
    expect((await loadEntity(h.db, 'task', 'v-ok'))!.version).toBe(1);
    expect(await auditRows(h, 'v-ok')).toBe(1);
  });

  it('commitTransition throws OptimisticLockError or EntityNotFoundError with their context', async () => {
    await insertEntity(h.db, newEntity('circuit_breaker', 'cb-1', 'CLOSED'));
    expect(await commitTransition(h.db, transition('circuit_breaker', 'cb-1', 1, 'CLOSED', 'OPEN', { opened_at: at(2), failure_count: 5 }))).toEqual({ version: 2 });
    const lock = await commitTransition(h.db, transition('circuit_breaker', 'cb-1', 1, 'CLOSED', 'OPEN', { opened_at: at(2) })).then(() => null, (e: unknown) => e);
    expect(lock).toBeInstanceOf(OptimisticLockError);
    expect(lock).toMatchObject({ entityType: 'circuit_breaker', id: 'cb-1', expectedVersion: 1, actualVersion: 2 });
    await expect(commitTransition(h.db, transition('circuit_breaker', 'cb-404', 1, 'CLOSED', 'OPEN'))).rejects.toBeInstanceOf(EntityNotFoundError);
  });

  it('joins the caller’s transaction: a rollback there undoes rows and audit', async () => {
    await insertEntity(h.db, newEntity('workstream', 'ws-trx', 'planned'));
    await expect(
      h.db.transaction().execute(async (trx) => {
        expect(await commitTransitions(trx, [transition('workstream', 'ws-trx', 1, 'planned', 'ready')])).toEqual([{ ok: true, version: 2 }]);
        throw new Error('caller aborts');
      }),
    ).rejects.toThrow('caller aborts');
    expect((await loadEntity(h.db, 'workstream', 'ws-trx'))!.version).toBe(1);
    expect(await auditRows(h, 'ws-trx')).toBe(1);
  });

  it('16 concurrent senders on one entity: exactly one winner per version, audit rows = successes', async () => {
    await insertEntity(h.db, newEntity('worker', 'w-race', 'idle', { last_heartbeat: at(1) }));
    // PostgreSQL: 16 pools (16 connections) racing; PGlite: 16 callers on its one connection.
    const pools: DatabaseHandle[] = h.url ? await Promise.all(Array.from({ length: 16 }, () => createDatabase({ url: h.url!, schema: h.schema!, max: 1 }))) : [];
    try {
      const dbs = pools.length > 0 ? pools.map((p) => p.db) : Array.from({ length: 16 }, () => h.db);
      let wins = 0;
      for (let version = 1; version <= 3; version++) {
        const results = await Promise.all(
          dbs.map((db, i) => commitTransitions(db, [transition('worker', 'w-race', version, 'idle', 'idle', { last_heartbeat: at(version + 1) }, { trigger: `heartbeat_${i}` })])),
        );
        const ok = results.filter(([r]) => r!.ok);
        expect(ok).toHaveLength(1);
        expect(results.filter(([r]) => !r!.ok && r!.actualVersion === version + 1)).toHaveLength(15);
        wins += ok.length;
      }
      expect(await auditRows(h, 'w-race')).toBe(1 + wins);
      expect((await loadEntity(h.db, 'worker', 'w-race'))!.version).toBe(4);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});
