import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PersistedActors, verifyAudit, type AuditVerification } from '../../actors/index.js';
import { createDatabase, type DatabaseHandle } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// Issue 11: `audit verify` while a run is writing reports the position it verified, never a false "BROKEN". It
// reads one snapshot; the writer here is another connection pool (PostgreSQL) committing entity rows and their
// audit rows all the time, and runs until several verifications have overlapped it.
describe.each(testDatabases())('audit verify beside a concurrent writer on %s', (kind) => {
  let tdb: TestDatabase;
  let writerDb: DatabaseHandle | null = null;
  beforeEach(async () => {
    tdb = await openTestDatabase(kind);
    writerDb = tdb.url ? await createDatabase({ url: tdb.url, schema: tdb.schema!, max: 8 }) : null;
  });
  afterEach(async () => {
    await writerDb?.close();
    await tdb.close();
  });

  it('every verification during the writes holds, through a growing audit position; the final one sees everything', async () => {
    const actors = new PersistedActors({ db: (writerDb ?? tdb).db });
    let verifications = 0;
    let writing = true;
    let created = 0;
    // The verifier waits for the next round to begin before verifying again, so every verification overlaps writes.
    let roundStarted: () => void = () => undefined;
    const nextRound = () => new Promise<void>((resolve) => (roundStarted = resolve));
    const writer = (async () => {
      try {
        for (let round = 0; round < 6 || verifications < 4; round++) {
          roundStarted();
          const ids = Array.from({ length: 8 }, (_, k) => `w${round}-${k}`);
          const t = 1_700_000_000_000 + round * 1000;
          await actors.createMany(ids.map((id) => ({ entityType: 'circuit_breaker', id, input: { failure_threshold: 1, now: t } })));
          created += ids.length;
          await Promise.all(ids.map((id) => actors.send('circuit_breaker', id, { type: 'call_failed', now: t + 1 })));
          await Promise.all(ids.map((id) => actors.send('circuit_breaker', id, { type: 'cooldown_elapsed', now: t + 600_000 })));
        }
      } finally {
        writing = false;
        roundStarted();
      }
    })();
    const seen: AuditVerification[] = [];
    while (writing) {
      const next = nextRound();
      seen.push(await verifyAudit(tdb.db));
      verifications++;
      await next;
    }
    await writer;
    await actors.close();
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (const v of seen) expect({ ok: v.ok, broken: v.firstBroken, missing: v.withoutChain.total }).toEqual({ ok: true, broken: null, missing: 0 });
    const positions = seen.map((v) => BigInt(v.verifiedThrough));
    for (let i = 1; i < positions.length; i++) expect(positions[i]! >= positions[i - 1]!).toBe(true);
    const last = await verifyAudit(tdb.db);
    expect(last).toMatchObject({ ok: true, entities: created, rows: created * 3 });
    expect(BigInt(last.verifiedThrough) >= positions[positions.length - 1]!).toBe(true);
  }, 600_000);
});
