import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, verifyAudit } from '../../actors/index.js';
import { readHistory } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// Sends of one entity queued in the same tick go to one batch, chained v, v+1, …; the batch writes the row once
// (persistence/commit-transitions.ts, ADR 0012). A trigger counts the row versions the database really wrote.
describe.each(testDatabases())('coalesced sends (%s)', (kind) => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  const rowWrites = async (): Promise<number> =>
    (await sql<{ n: number }>`SELECT n FROM breaker_row_writes`.execute(tdb.db)).rows[0]!.n;

  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    await sql`CREATE TABLE breaker_row_writes (n integer NOT NULL)`.execute(tdb.db);
    await sql`INSERT INTO breaker_row_writes VALUES (0)`.execute(tdb.db);
    await sql.raw(`CREATE FUNCTION count_breaker_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN UPDATE breaker_row_writes SET n = n + 1; RETURN NEW; END $$`).execute(tdb.db);
    await sql`CREATE TRIGGER count_breaker_write BEFORE UPDATE ON circuit_breakers FOR EACH ROW EXECUTE FUNCTION count_breaker_write()`.execute(tdb.db);
    actors = new PersistedActors({ db: tdb.db });
  });
  afterAll(async () => {
    await actors.close();
    await tdb.close();
  });

  it('three sends of one entity in one tick: one row write, three audit rows in send order, the chain intact', async () => {
    await actors.create('circuit_breaker', 'cs-1', { failure_threshold: 1_000_000 });
    const before = await rowWrites();
    const decisions = await Promise.all(['a', 'b', 'c'].map((error) => actors.send('circuit_breaker', 'cs-1', { type: 'call_failed', error })));
    expect(decisions.map((d) => d.version)).toEqual([2, 3, 4]);
    expect((await rowWrites()) - before).toBe(1);
    const history = await readHistory(tdb.db, 'circuit_breaker', 'cs-1');
    expect(history.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(history.slice(1).map((r) => (r.metadata['event'] as { error: string }).error)).toEqual(['a', 'b', 'c']);
    expect((await verifyAudit(tdb.db, { entityType: 'circuit_breaker' })).ok).toBe(true);
    const loaded = await actors.load('circuit_breaker', 'cs-1');
    expect(loaded?.version).toBe(4);
  });

  it('the same sends awaited one by one: a row write each', async () => {
    await actors.create('circuit_breaker', 'cs-2', { failure_threshold: 1_000_000 });
    const before = await rowWrites();
    for (const error of ['a', 'b', 'c']) await actors.send('circuit_breaker', 'cs-2', { type: 'call_failed', error });
    expect((await rowWrites()) - before).toBe(3);
    expect((await readHistory(tdb.db, 'circuit_breaker', 'cs-2')).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });
});
