import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidCreateItemError, PersistedActors, replayAudit, verifyAudit, type CreateItem, type CreateItemOf } from '../../actors/index.js';
import { InvalidPayloadError } from '../../machines/index.js';
import { EntityExistsError, loadEntity, readHistory, type AuditRecord } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

/** An audit row without what differs between two entities created alike (row id, event id, entity id, hash). */
function shape(r: AuditRecord): Omit<AuditRecord, 'id' | 'eventId' | 'entityId' | 'hash'> {
  const { id: _id, eventId: _e, entityId: _i, hash: _h, ...rest } = r;
  return rest;
}

describe.each(testDatabases())('PersistedActors.createMany on %s', (kind) => {
  let tdb: TestDatabase;
  let dir: string;
  let log: string;
  let actors: PersistedActors;
  let t = 1_700_000_000_000;
  const clock = () => (t += 1000);

  const count = async (table: string, where = sql`true`): Promise<number> => {
    const r = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.id(table)} WHERE ${where}`.execute(tdb.db);
    return Number(r.rows[0]!.n);
  };

  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    dir = await mkdtemp(join(tmpdir(), 'gantry-create-many-'));
    log = join(dir, 'transitions.jsonl');
    actors = new PersistedActors({ db: tdb.db, clock, transitionLog: log });
  });
  afterAll(async () => {
    await actors.close();
    await tdb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes rows and audit rows identical in shape to create, views in order, cache and JSONL filled', async () => {
    const now = 1_700_000_500_000;
    const opts = { links: { run_id: 'cm-run' }, operator: 'alice', reason: 'planned' };
    await actors.create('run', 'cm-run', { now });
    const one = await actors.create('task', 'cm-one', { now, max_retries: 2 }, opts);
    const many = await actors.createMany([
      { entityType: 'workstream', id: 'cm-ws', input: { now, planned_task_count: 1 }, links: { run_id: 'cm-run' } },
      { entityType: 'task', id: 'cm-many', input: { now, max_retries: 2 }, ...opts },
    ]);
    expect(many.map((v) => [v.entityType, v.id, v.state, v.version])).toEqual([['workstream', 'cm-ws', 'planned', 1], ['task', 'cm-many', 'pending', 1]]);
    const [a, b] = [(await loadEntity(tdb.db, 'task', 'cm-one'))!, (await loadEntity(tdb.db, 'task', 'cm-many'))!];
    expect([b.state, b.version, b.snapshot, b.machineVersion]).toEqual([a.state, 1, a.snapshot, a.machineVersion]);
    expect(b.columns).toEqual(a.columns);
    expect([b.createdAt, b.updatedAt]).toEqual([a.createdAt, a.updatedAt]);
    expect(many[1]!.snapshot).toEqual(one.snapshot);
    const [ha, hb] = [await readHistory(tdb.db, 'task', 'cm-one'), await readHistory(tdb.db, 'task', 'cm-many')];
    expect(hb).toHaveLength(1);
    expect(shape(hb[0]!)).toEqual(shape(ha[0]!));
    expect(hb[0]!.hash).toBe(b.lastHash);
    expect(await verifyAudit(tdb.db)).toMatchObject({ ok: true, firstBroken: null });
    expect(await replayAudit(tdb.db)).toMatchObject({ ok: true, mismatches: [] });
    // From the cache: the next send needs no load and continues the chain.
    const r = await actors.send('task', 'cm-many', { type: 'scheduler_assigned' });
    expect([r.from, r.to, r.version]).toEqual(['pending', 'queued', 2]);
    expect((await verifyAudit(tdb.db, { entityType: 'task' })).ok).toBe(true);
    await actors.close();
    actors = new PersistedActors({ db: tdb.db, clock, transitionLog: log });
    const lines = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const created = (id: string) => lines.find((l) => l['entity_id'] === id && l['trigger'] === 'create')!;
    const { event_id: _a, entity_id: _b, ...lineOne } = created('cm-one');
    const { event_id: _c, entity_id: _d, ...lineMany } = created('cm-many');
    expect(lineMany).toEqual(lineOne);
    expect(created('cm-ws')['event_type']).toBe('workstream_created');
  });

  it('an id that already exists: EntityExistsError, nothing written', async () => {
    await actors.create('task', 'cm-dup');
    const before = await count('state_transitions');
    const items: CreateItem[] = [{ entityType: 'task', id: 'cm-fresh-1' }, { entityType: 'task', id: 'cm-dup' }, { entityType: 'task', id: 'cm-fresh-2' }];
    await expect(actors.createMany(items)).rejects.toMatchObject({ name: 'EntityExistsError', entityType: 'task', id: 'cm-dup' });
    expect(await count('tasks', sql`id LIKE 'cm-fresh-%'`)).toBe(0);
    expect(await count('state_transitions')).toBe(before);
  });

  it('an id repeated within the call: InvalidCreateItemError naming the second item, nothing written', async () => {
    const before = await count('state_transitions');
    const items: CreateItem[] = [{ entityType: 'task', id: 'cm-twice' }, { entityType: 'task', id: 'cm-other' }, { entityType: 'task', id: 'cm-twice' }];
    const error = await actors.createMany(items).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCreateItemError);
    expect(error).toMatchObject({ index: 2, entityType: 'task', id: 'cm-twice' });
    expect((error as Error).cause).toBeInstanceOf(EntityExistsError);
    expect(await count('tasks', sql`id IN ('cm-twice', 'cm-other')`)).toBe(0);
    expect(await count('state_transitions')).toBe(before);
  });

  it('bad input, a bad id or an unknown type: InvalidCreateItemError naming the item, nothing written', async () => {
    const before = await count('state_transitions');
    const good: CreateItem = { entityType: 'task', id: 'cm-good' };
    const bad = await actors.createMany([good, { entityType: 'task', id: 'cm-bad', input: { max_retries: -1 } }]).then(() => null, (e: unknown) => e);
    expect(bad).toMatchObject({ name: 'InvalidCreateItemError', index: 1, entityType: 'task', id: 'cm-bad' });
    expect((bad as Error).message).toContain("createMany item 1 (task 'cm-bad')");
    expect((bad as Error).cause).toBeInstanceOf(InvalidPayloadError);
    await expect(actors.createMany([good, { entityType: 'task', id: '-bad id' }])).rejects.toMatchObject({ index: 1, cause: { name: 'InvalidEntityIdError' } });
    // @ts-expect-error an unknown entity type does not compile; from untyped callers it is refused at run time
    await expect(actors.createMany([{ entityType: 'nope', id: 'x' }, good])).rejects.toMatchObject({ index: 0, cause: { name: 'UnknownEntityTypeError' } });
    expect(await count('tasks', sql`id = 'cm-good'`)).toBe(0);
    expect(await count('state_transitions')).toBe(before);
  });

  it('creates 1,000 entities in one call, every chain verified and replayed', async () => {
    const items: CreateItemOf<'task'>[] = Array.from({ length: 1000 }, (_, i) => ({ entityType: 'task', id: `cm-k-${i}`, input: { max_retries: i % 4 } }));
    const views = await actors.createMany(items);
    expect(views.map((v) => v.id)).toEqual(items.map((i) => i.id));
    expect(views.every((v) => v.state === 'pending' && v.version === 1)).toBe(true);
    expect(views[7]!.context.max_retries).toBe(3);
    expect(await count('tasks', sql`id LIKE 'cm-k-%'`)).toBe(1000);
    expect(await count('state_transitions', sql`entity_id LIKE 'cm-k-%' AND seq = 1 AND trigger = 'create'`)).toBe(1000);
    expect(await verifyAudit(tdb.db, { entityType: 'task' })).toMatchObject({ ok: true });
    expect(await replayAudit(tdb.db, { entityType: 'task' })).toMatchObject({ ok: true, mismatches: [] });
    expect(await actors.createMany([])).toEqual([]);
  });
});
