import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PersistedActors, verifyAudit } from '../../actors/index.js';
import { tamper } from '../support/audit-tamper.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// Issue 11: entity rows whose audit chain is gone (an emptied or truncated state_transitions) fail `audit verify`.
describe.each(testDatabases())('audit verify fails for entity rows without their audit chain on %s', (kind) => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  beforeEach(async () => {
    tdb = await openTestDatabase(kind);
    actors = new PersistedActors({ db: tdb.db });
    for (const id of ['a', 'b', 'c']) {
      await actors.create('circuit_breaker', id, { failure_threshold: 1, now: 1_700_000_000_000 });
      await actors.send('circuit_breaker', id, { type: 'call_failed', now: 1_700_000_001_000 });
      await actors.send('circuit_breaker', id, { type: 'cooldown_elapsed', now: 1_700_000_100_000 });
    }
  });
  afterEach(async () => {
    await actors.close();
    await tdb.close();
  });

  it('an untouched audit: every entity row has its chain', async () => {
    expect(await verifyAudit(tdb.db)).toMatchObject({ ok: true, entities: 3, rows: 9, withoutChain: { total: 0, first: [] } });
  });

  it('an emptied state_transitions fails, naming every entity', async () => {
    await tamper(tdb, sql`DELETE FROM state_transitions`);
    const v = await verifyAudit(tdb.db);
    expect(v).toMatchObject({ ok: false, entities: 0, rows: 0, firstBroken: null, verifiedThrough: '0' });
    expect(v.withoutChain.total).toBe(3);
    expect(v.withoutChain.first.map((e) => [e.entityType, e.entityId, e.version, e.chainSeq])).toEqual([
      ['circuit_breaker', 'a', 3, null],
      ['circuit_breaker', 'b', 3, null],
      ['circuit_breaker', 'c', 3, null],
    ]);
  });

  it('a TRUNCATE (triggers disabled) fails the same way', async () => {
    await tamper(tdb, sql`TRUNCATE state_transitions`);
    const v = await verifyAudit(tdb.db);
    expect([v.ok, v.withoutChain.total]).toEqual([false, 3]);
  });

  it('a chain cut short names the entity and where its chain now ends', async () => {
    await tamper(tdb, sql`DELETE FROM state_transitions WHERE entity_id = 'b' AND seq = 3`);
    const v = await verifyAudit(tdb.db);
    expect(v.ok).toBe(false);
    expect(v.withoutChain.first).toEqual([{ entityType: 'circuit_breaker', entityId: 'b', version: 3, state: 'HALF_OPEN', chainSeq: 2 }]);
    expect(v.firstBroken).toMatchObject({ entityId: 'b', seq: 2, problem: expect.stringMatching(/is not the newest audit hash/) });
  });

  it('one entity type only with --type', async () => {
    await tamper(tdb, sql`DELETE FROM state_transitions WHERE entity_id = 'c'`);
    expect((await verifyAudit(tdb.db, { entityType: 'circuit_breaker' })).withoutChain.first.map((e) => e.entityId)).toEqual(['c']);
    expect(await verifyAudit(tdb.db, { entityType: 'task' })).toMatchObject({ ok: true, withoutChain: { total: 0 } });
  });
});
