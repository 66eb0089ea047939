import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PersistedActors, replayAudit, verifyAudit } from '../../actors/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

/** Runs SQL as a superuser would, with the append-only trigger disabled: the tampering an attacker could do. */
async function tamper(tdb: TestDatabase, statement: ReturnType<typeof sql>): Promise<void> {
  await sql`SET session_replication_role = replica`.execute(tdb.db);
  try {
    await statement.execute(tdb.db);
  } finally {
    await sql`SET session_replication_role = DEFAULT`.execute(tdb.db);
  }
}

describe.each(testDatabases())('audit verify and replay detect tampering on %s', (kind) => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  beforeEach(async () => {
    tdb = await openTestDatabase(kind);
    actors = new PersistedActors({ db: tdb.db });
    for (const id of ['a', 'b']) {
      await actors.create('circuit_breaker', id, { failure_threshold: 1, now: 1_700_000_000_000 });
      await actors.send('circuit_breaker', id, { type: 'call_failed', now: 1_700_000_001_000 });
      await actors.send('circuit_breaker', id, { type: 'cooldown_elapsed', now: 1_700_000_100_000 });
    }
  });
  afterEach(async () => {
    await actors.close();
    await tdb.close();
  });

  it('passes on an untouched database', async () => {
    expect(await verifyAudit(tdb.db)).toMatchObject({ ok: true, entities: 2, rows: 6 });
    expect((await replayAudit(tdb.db)).ok).toBe(true);
  });

  it('names the first broken link when a row was edited', async () => {
    await tamper(tdb, sql`UPDATE state_transitions SET reason = 'forged' WHERE entity_id = 'b' AND seq = 2`);
    const v = await verifyAudit(tdb.db);
    expect(v.ok).toBe(false);
    expect(v.firstBroken).toMatchObject({ entityType: 'circuit_breaker', entityId: 'b', seq: 2 });
    expect(v.firstBroken!.problem).toMatch(/hash does not match/);
  });

  it('reports a time edited to infinity as a broken link instead of failing', async () => {
    await tamper(tdb, sql`UPDATE state_transitions SET transitioned_at = 'infinity' WHERE entity_id = 'b' AND seq = 2`);
    expect((await verifyAudit(tdb.db)).firstBroken).toMatchObject({ entityId: 'b', seq: 2, problem: 'transitioned_at is no time a hash can cover' });
  });

  it('detects a deleted row', async () => {
    await tamper(tdb, sql`DELETE FROM state_transitions WHERE entity_id = 'a' AND seq = 2`);
    expect((await verifyAudit(tdb.db)).firstBroken).toMatchObject({ entityId: 'a', seq: 3 });
  });

  it('detects an entity row moved without an audit row, in verify and in replay', async () => {
    await sql`UPDATE circuit_breakers SET state = 'CLOSED', opened_at = NULL WHERE id = 'a'`.execute(tdb.db);
    expect((await verifyAudit(tdb.db)).firstBroken!.problem).toMatch(/state 'CLOSED'/);
    const r = await replayAudit(tdb.db);
    expect(r.mismatches).toEqual([expect.objectContaining({ entityId: 'a', problem: expect.stringMatching(/stored state 'CLOSED'/) })]);
  });
});

describe.each(testDatabases())('audit verify and replay read entity rows in batches, still in chain order, on %s', (kind) => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  // 1,200 breakers (more than two batches of closed chains), ids b0000…b1199 so chain order is numeric order.
  const id = (n: number) => `b${String(n).padStart(4, '0')}`;
  // Pages of 1,000 rows: 2,400 audit rows are three pages, so the chains are hashed on both threads.
  const PAGES = { pageSize: 1000 };
  beforeEach(async () => {
    tdb = await openTestDatabase(kind);
    actors = new PersistedActors({ db: tdb.db });
    const ids = Array.from({ length: 1200 }, (_, n) => id(n));
    await actors.createMany(ids.map((i) => ({ entityType: 'circuit_breaker', id: i, input: { failure_threshold: 1, now: 1_700_000_000_000 } })));
    await Promise.all(ids.map((i) => actors.send('circuit_breaker', i, { type: 'call_failed', now: 1_700_000_001_000 })));
  });
  afterEach(async () => {
    await actors.close();
    await tdb.close();
  });

  it('counts every chain and row when all hold', async () => {
    expect(await verifyAudit(tdb.db, PAGES)).toMatchObject({ ok: true, entities: 1200, rows: 2400, firstBroken: null, pass: 'one-read' });
    expect(await replayAudit(tdb.db)).toMatchObject({ ok: true, entities: 1200, transitions: 1200 });
  });

  it('an entity row that disagrees with its chain is reported before a later broken row, with the counts at that point', async () => {
    await sql`UPDATE circuit_breakers SET state = 'CLOSED', opened_at = NULL WHERE id = ${id(700)}`.execute(tdb.db);
    await tamper(tdb, sql`UPDATE state_transitions SET reason = 'forged' WHERE entity_id = ${id(701)} AND seq = 2`);
    await tamper(tdb, sql`UPDATE state_transitions SET reason = 'forged' WHERE entity_id = ${id(1100)} AND seq = 2`);
    const v = await verifyAudit(tdb.db, PAGES);
    expect(v).toMatchObject({ ok: false, entities: 701, rows: 1402, pass: 'in-order' });
    expect(v.firstBroken).toMatchObject({ entityId: id(700), seq: 2 });
    expect(v.firstBroken!.problem).toMatch(/state 'CLOSED'/);
  });

  it('a broken row is reported when the entity rows before it hold, wherever the batch boundary falls', async () => {
    await tamper(tdb, sql`UPDATE state_transitions SET reason = 'forged' WHERE entity_id = ${id(1100)} AND seq = 2`);
    await sql`UPDATE circuit_breakers SET state = 'CLOSED', opened_at = NULL WHERE id = ${id(1150)}`.execute(tdb.db);
    expect((await verifyAudit(tdb.db, PAGES)).firstBroken).toMatchObject({ entityId: id(1100), seq: 2, problem: expect.stringMatching(/hash does not match/) });
  });

  it('a time edited to infinity on a later page is found by the one-read pass and named by the in-order walk', async () => {
    await tamper(tdb, sql`UPDATE state_transitions SET transitioned_at = 'infinity' WHERE entity_id = ${id(1100)} AND seq = 2`);
    expect(await verifyAudit(tdb.db, PAGES)).toMatchObject({ ok: false, pass: 'in-order', firstBroken: { entityId: id(1100), seq: 2, problem: 'transitioned_at is no time a hash can cover' } });
  });

  it('an entity row whose whole chain is gone is named while every other chain holds (chains re-hashed on the worker thread)', async () => {
    await tamper(tdb, sql`DELETE FROM state_transitions WHERE entity_id = ${id(900)}`);
    const v = await verifyAudit(tdb.db, PAGES);
    expect(v).toMatchObject({ ok: false, entities: 1199, rows: 2398, firstBroken: null, withoutChain: { total: 1 } });
    expect(v.withoutChain.first).toEqual([expect.objectContaining({ entityId: id(900), chainSeq: null })]);
  });

  it('replay reports every mismatching entity in chain order, entity rows read in batches', async () => {
    for (const n of [1150, 3, 600]) await sql`UPDATE circuit_breakers SET state = 'CLOSED', opened_at = NULL WHERE id = ${id(n)}`.execute(tdb.db);
    await sql`DELETE FROM circuit_breakers WHERE id = ${id(999)}`.execute(tdb.db);
    const r = await replayAudit(tdb.db);
    expect(r).toMatchObject({ ok: false, entities: 1200, transitions: 1200 });
    expect(r.mismatches.map((m) => [m.entityId, m.problem])).toEqual([
      [id(3), expect.stringMatching(/stored state 'CLOSED'/)],
      [id(600), expect.stringMatching(/stored state 'CLOSED'/)],
      [id(999), 'entity row missing'],
      [id(1150), expect.stringMatching(/stored state 'CLOSED'/)],
    ]);
  });
});
