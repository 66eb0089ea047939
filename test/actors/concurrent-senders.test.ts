import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, verifyAudit } from '../../actors/index.js';
import { createDatabase, OptimisticLockError, readHistory, type DatabaseHandle } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

const SENDERS = 16;

// On PostgreSQL each sender has its own pool (real concurrent transactions); PGlite has one connection, so there the
// same invariants are checked with transactions that run one at a time.
describe.each(testDatabases())('%d concurrent senders on one entity on %s'.replace('%d', String(SENDERS)), (kind) => {
  let tdb: TestDatabase;
  const handles: DatabaseHandle[] = [];
  let senders: PersistedActors[];
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    senders = [];
    for (let i = 0; i < SENDERS; i++) {
      const h = tdb.url ? await createDatabase({ url: tdb.url, schema: tdb.schema!, max: 2 }) : null;
      if (h) handles.push(h);
      senders.push(new PersistedActors({ db: (h ?? tdb).db, maxAttempts: 64 }));
    }
    await senders[0]!.create('circuit_breaker', 'shared', { failure_threshold: 1_000_000 });
    await senders[0]!.create('circuit_breaker', 'named', { failure_threshold: 1_000_000 });
  });
  afterAll(async () => {
    for (const s of senders) await s.close();
    for (const h of handles) await h.close();
    await tdb.close();
  });

  it('without a named version: conflicts are re-decided, every send lands exactly once', async () => {
    const PER = 5;
    const results = await Promise.allSettled(senders.flatMap((s) => Array.from({ length: PER }, () => s.send('circuit_breaker', 'shared', { type: 'call_failed' }))));
    const won = results.filter((r) => r.status === 'fulfilled');
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(OptimisticLockError);
    const entity = await senders[0]!.load('circuit_breaker', 'shared');
    expect(entity.context.failure_count).toBe(won.length);
    expect(entity.version).toBe(1 + won.length);
    const rows = await readHistory(tdb.db, 'circuit_breaker', 'shared');
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 1 + won.length }, (_, i) => i + 1));
    expect(won.length).toBe(SENDERS * PER);
  });

  it('with a named version: exactly one winner per version, every loser an OptimisticLockError', async () => {
    for (let round = 0; round < 3; round++) {
      const { version } = await senders[0]!.load('circuit_breaker', 'named');
      const results = await Promise.allSettled(senders.map((s) => s.send('circuit_breaker', 'named', { type: 'call_failed' }, { expectedVersion: version })));
      const winners = results.filter((r) => r.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(OptimisticLockError);
      expect((await senders[0]!.load('circuit_breaker', 'named')).version).toBe(version + 1);
    }
    const v = await verifyAudit(tdb.db);
    expect(v.ok).toBe(true);
    expect((await readHistory(tdb.db, 'circuit_breaker', 'named')).length).toBe(4);
  });
});
