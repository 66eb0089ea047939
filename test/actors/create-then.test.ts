import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidCreateItemError, PersistedActors, replayAudit, verifyAudit, type AnyCommittedTransition } from '../../actors/index.js';
import { InvalidTransitionError } from '../../machines/index.js';
import { loadEntity, readHistory, type AuditRecord } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// createMany with `then`: an entity created and moved on at once (a task created and queued) is written once, in
// its state after the events, with the same audit as create-then-send: one row per event, hash-chained.

/** An audit row without what differs between two entities treated alike (row id, event id, entity id, hashes). */
function shape(r: AuditRecord): Omit<AuditRecord, 'id' | 'eventId' | 'entityId' | 'hash' | 'prevHash'> {
  const { id: _id, eventId: _e, entityId: _i, hash: _h, prevHash: _p, ...rest } = r;
  return rest;
}

describe.each(testDatabases())('createMany with events taken at once (%s)', (kind) => {
  let tdb: TestDatabase;
  let dir: string;
  let log: string;
  let actors: PersistedActors;
  const seen: AnyCommittedTransition[] = [];
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    dir = await mkdtemp(join(tmpdir(), 'gantry-create-then-'));
    log = join(dir, 'transitions.jsonl');
    actors = new PersistedActors({ db: tdb.db, transitionLog: log });
    actors.subscribe((t) => void seen.push(t));
  });
  afterAll(async () => {
    await actors.close();
    await tdb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the row once, in the state after the events, with the audit of create then send', async () => {
    const now = 1_700_000_000_000;
    await actors.create('task', 'ct-sent', { now, max_retries: 2 });
    await actors.send('task', 'ct-sent', { type: 'scheduler_assigned', now: now + 5 });
    const [view] = await actors.createMany([{ entityType: 'task', id: 'ct-then', input: { now, max_retries: 2 }, then: [{ type: 'scheduler_assigned', now: now + 5 }] }]);
    expect([view!.state, view!.version]).toEqual(['queued', 2]);
    const [a, b] = [(await loadEntity(tdb.db, 'task', 'ct-sent'))!, (await loadEntity(tdb.db, 'task', 'ct-then'))!];
    expect([b.state, b.version, b.snapshot, b.columns, b.createdAt, b.updatedAt]).toEqual([a.state, a.version, a.snapshot, a.columns, a.createdAt, a.updatedAt]);
    const [ha, hb] = [await readHistory(tdb.db, 'task', 'ct-sent'), await readHistory(tdb.db, 'task', 'ct-then')];
    expect(hb.map(shape)).toEqual(ha.map(shape));
    expect(hb[1]!.prevHash).toBe(hb[0]!.hash);
    expect(b.lastHash).toBe(hb[1]!.hash);
    expect(seen.filter((t) => t.id === 'ct-then').map((t) => [t.from, t.to, t.version])).toEqual([['pending', 'queued', 2]]);
    const lines = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { entity_id: string; trigger: string });
    expect(lines.filter((l) => l.entity_id === 'ct-then').map((l) => l.trigger)).toEqual(['create', 'scheduler_assigned']);
    expect((await verifyAudit(tdb.db)).ok).toBe(true);
    expect((await replayAudit(tdb.db)).ok).toBe(true);
  });

  it('a task created and queued is claimable at once', async () => {
    await actors.createMany(['ct-q1', 'ct-q2'].map((id) => ({ entityType: 'task' as const, id, input: { required_capabilities: ['ct'] }, then: [{ type: 'scheduler_assigned' as const }] })));
    // The worker claims what it can: these two, and the queued tasks of the first test (they need no capability).
    const claimed = await actors.claim({ workerId: 'ct-worker', capabilities: ['ct'], limit: 10 });
    expect(claimed.map((c) => c.id)).toEqual(expect.arrayContaining(['ct-q1', 'ct-q2']));
    expect(claimed.filter((c) => c.id.startsWith('ct-q')).map((c) => c.to)).toEqual(['running', 'running']);
  });

  it('an event the new entity refuses fails the whole batch, naming the item; nothing is written', async () => {
    const error = await actors
      .createMany([
        { entityType: 'task', id: 'ct-ok' },
        { entityType: 'task', id: 'ct-bad', then: [{ type: 'execution_completed', exit_code: 0 }] },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCreateItemError);
    expect(error).toMatchObject({ index: 1, id: 'ct-bad' });
    expect((error as Error).cause).toBeInstanceOf(InvalidTransitionError);
    expect(await loadEntity(tdb.db, 'task', 'ct-ok')).toBeNull();
    expect(await loadEntity(tdb.db, 'task', 'ct-bad')).toBeNull();
  });
});
