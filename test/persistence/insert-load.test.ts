import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineCatalog, patchLedgerMachine, taskMachine } from '../../machines/index.js';
import { initialTransition } from 'xstate';
import {
  columnsFromContext, ConstraintViolationError, EntityExistsError, insertEntities, insertEntity, loadEntities, loadEntity,
  readHistory, scanEntities, UnknownColumnError, UnknownEntityTableError,
} from '../../persistence/index.js';
import { at, creationAudit, newEntity } from '../support/audit-fixtures.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

async function auditCount(h: TestDatabase, id: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM state_transitions WHERE entity_id = ${id}`.execute(h.db);
  return rows[0]!.n;
}

describe.each(testDatabases())('insertEntity / loadEntity (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it('inserts at version 1 with its creation audit row, in one transaction', async () => {
    const rec = await insertEntity(h.db, newEntity('run', 'run-1', 'pending', {}, 5));
    expect(rec).toMatchObject({ entityType: 'run', id: 'run-1', state: 'pending', version: 1, machineVersion: 'test' });
    expect(rec.createdAt.getTime()).toBe(at(5));
    expect(rec.updatedAt.getTime()).toBe(at(5));
    const history = await readHistory(h.db, 'run', 'run-1');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ seq: 1, fromState: null, toState: 'pending', trigger: 'create', prevHash: null, hash: rec.lastHash });
  });

  it('a duplicate id raises EntityExistsError and writes nothing', async () => {
    await insertEntity(h.db, newEntity('task', 'dup-1', 'pending'));
    const again = newEntity('task', 'dup-1', 'pending');
    await expect(insertEntity(h.db, again)).rejects.toBeInstanceOf(EntityExistsError);
    expect(await auditCount(h, 'dup-1')).toBe(1);
    await expect(insertEntities(h.db, [newEntity('task', 'dup-2', 'pending'), newEntity('task', 'dup-2', 'pending')])).rejects.toMatchObject({
      name: 'EntityExistsError', entityType: 'task', id: 'dup-2',
    });
    expect(await loadEntity(h.db, 'task', 'dup-2')).toBeNull();
  });

  it('inserts a related batch in foreign-key order and all-or-nothing', async () => {
    const batch = [
      newEntity('task', 'b-task', 'pending', { workstream_id: 'b-ws', run_id: 'b-run', depends_on: ['x'], is_critical: true }),
      newEntity('workstream', 'b-ws', 'planned', { run_id: 'b-run', critical: true }),
      newEntity('run', 'b-run', 'pending'),
    ];
    const recs = await insertEntities(h.db, batch);
    expect(recs.map((r) => r.id)).toEqual(['b-task', 'b-ws', 'b-run']);
    expect(recs[0]!.columns).toMatchObject({ workstream_id: 'b-ws', depends_on: ['x'], is_critical: true, retry_count: 0, max_retries: 3 });
    const bad = [newEntity('run', 'c-run', 'pending'), newEntity('task', 'c-task', 'running', { started_at: at(1) })]; // running needs worker_id
    const error = await insertEntities(h.db, bad).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConstraintViolationError);
    expect(error).toMatchObject({ kind: 'check', constraint: 'tasks_worker_id_iff_state' });
    expect(await loadEntity(h.db, 'run', 'c-run')).toBeNull();
    expect(await auditCount(h, 'c-run')).toBe(0);
  });

  it('entities of one table giving different columns: each row takes the defaults of the columns it omits, all or nothing', async () => {
    const recs = await insertEntities(h.db, [
      newEntity('task', 'm-1', 'pending', { max_retries: 5, depends_on: ['m-0'] }),
      newEntity('task', 'm-2', 'pending'),
      newEntity('task', 'm-3', 'pending', { max_retries: 7, depends_on: [] }),
      newEntity('task', 'm-4', 'pending', { last_error: 'it\'s "quoted", with \\ and {braces}' }),
    ]);
    expect(recs.map((r) => [r.id, r.columns['max_retries'], r.columns['depends_on']])).toEqual([
      ['m-1', 5, ['m-0']], ['m-2', 3, []], ['m-3', 7, []], ['m-4', 3, []],
    ]);
    expect((await loadEntity(h.db, 'task', 'm-4'))!.columns['last_error']).toBe('it\'s "quoted", with \\ and {braces}');
    expect(await Promise.all(['m-1', 'm-2', 'm-3', 'm-4'].map((id) => auditCount(h, id)))).toEqual([1, 1, 1, 1]);
    // Two statements (two column sets), one transaction: the second one's duplicate id undoes the first one's rows.
    const error = await insertEntities(h.db, [newEntity('task', 'm-5', 'pending', { max_retries: 5 }), newEntity('task', 'm-1', 'pending')]).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'EntityExistsError', id: 'm-1' });
    expect(await loadEntity(h.db, 'task', 'm-5')).toBeNull();
    expect(await auditCount(h, 'm-5')).toBe(0);
  });

  it('rejects unknown columns, managed columns and unknown entity types before touching the database', async () => {
    await expect(insertEntity(h.db, newEntity('run', 'u-1', 'pending', { colour: 'red' }))).rejects.toBeInstanceOf(UnknownColumnError);
    await expect(insertEntity(h.db, newEntity('run', 'u-2', 'pending', { version: 7 }))).rejects.toMatchObject({ name: 'UnknownColumnError', column: 'version' });
    await expect(insertEntity(h.db, newEntity('job', 'u-3', 'pending'))).rejects.toBeInstanceOf(UnknownEntityTableError);
    await expect(loadEntity(h.db, 'toString', 'x')).rejects.toBeInstanceOf(UnknownEntityTableError);
  });

  it('loads one, many, or none; scans a type in id order across pages', async () => {
    await insertEntities(h.db, ['s-3', 's-1', 's-2'].map((id) => newEntity('circuit_breaker', id, 'CLOSED', { failure_threshold: 3 })));
    expect(await loadEntity(h.db, 'circuit_breaker', 'nope')).toBeNull();
    const many = await loadEntities(h.db, 'circuit_breaker', ['s-1', 's-2', 'nope', 's-1']);
    expect([...many.keys()].sort()).toEqual(['s-1', 's-2']);
    expect(many.get('s-1')!.columns).toMatchObject({ failure_threshold: 3, cooldown_seconds: 60, opened_at: null });
    const scanned: string[] = [];
    for await (const r of scanEntities(h.db, 'circuit_breaker', 2)) scanned.push(r.id);
    expect(scanned).toEqual(['s-1', 's-2', 's-3']);
  });

  it('columnsFromContext maps a real machine context to columns by name (times as epoch ms → timestamptz)', async () => {
    const [snap] = initialTransition(taskMachine, { now: at(0), depends_on: ['a'], required_capabilities: ['node'], max_retries: 2 });
    const ctx = snap.context as unknown as Record<string, unknown>;
    const cols = columnsFromContext('task', ctx);
    expect(cols).toMatchObject({ depends_on: ['a'], required_capabilities: ['node'], max_retries: 2, retry_count: 0, worker_id: null, started_at: null });
    expect(cols).not.toHaveProperty('created_at');
    const rec = await insertEntity(h.db, {
      entityType: 'task', id: 'ctx-task', state: String(snap.value), snapshot: ctx, machineVersion: machineCatalog.task.version,
      columns: { ...cols, run_id: null }, audit: creationAudit('ctx-task'),
    });
    expect(rec.columns).toMatchObject({ max_retries: 2, expected_exit: [0], timeout_sec: 1800 });

    const [ledger] = initialTransition(patchLedgerMachine, { now: at(0), patch_id: 'p-ctx' });
    const lcols = columnsFromContext('patch_ledger', ledger.context as unknown as Record<string, unknown>);
    expect(lcols).toMatchObject({ patch_id: 'p-ctx', validation_format: false, validation_tests: false, apply_attempts: 0 });
    expect(lcols['state_history']).toEqual([{ state: 'created', at: at(0), event: 'create' }]);
  });
});
