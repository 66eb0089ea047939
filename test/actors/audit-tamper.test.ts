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
