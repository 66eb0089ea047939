import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitTransitions, createDatabase, insertEntities, loadEntities, type Database, type DatabaseHandle, type TransitionItem,
} from '../../persistence/index.js';
import type { Kysely } from 'kysely';
import { at, fakeHash, newEntity, transition } from '../support/audit-fixtures.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

const IDS = Array.from({ length: 10 }, (_, i) => `cc-${i}`);
const CLIENTS = 8;
const ROUNDS = 5;

/** A deterministic shuffle (xorshift), so failures reproduce. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = Math.abs(x) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** One client round: read every worker, then commit a heartbeat for each — twice, chained, for every third — in a shuffled order. */
async function clientRound(db: Kysely<Database>, client: number, round: number): Promise<Map<string, number>> {
  const rows = await loadEntities(db, 'worker', IDS);
  const items: TransitionItem[] = [];
  for (const id of shuffled(IDS, client * 97 + round * 13 + 7)) {
    const v = rows.get(id)!.version;
    const extra = { prevHash: rows.get(id)!.lastHash!, hash: fakeHash(id, v + 1, client, round), transitionedAt: at(10 + round) };
    const first = transition('worker', id, v, 'idle', 'idle', { last_heartbeat: at(10 + round) }, extra);
    items.push(first);
    if (Number(id.slice(3)) % 3 === 0) {
      items.push(transition('worker', id, v + 1, 'idle', 'idle', { last_heartbeat: at(11 + round) }, {
        prevHash: first.audit.hash, hash: fakeHash(id, v + 2, client, round), transitionedAt: at(11 + round),
      }));
    }
  }
  const results = await commitTransitions(db, items);
  const wins = new Map<string, number>();
  results.forEach((r, i) => {
    if (r.ok) wins.set(items[i]!.id, (wins.get(items[i]!.id) ?? 0) + 1);
  });
  return wins;
}

describe.each(testDatabases())('overlapping concurrent batches (%s)', (kind) => {
  let h: TestDatabase;
  const pools: DatabaseHandle[] = [];
  beforeAll(async () => {
    h = await openTestDatabase(kind);
    await insertEntities(h.db, IDS.map((id) => newEntity('worker', id, 'idle', { last_heartbeat: at(1) })));
    if (h.url) for (let i = 0; i < CLIENTS; i++) pools.push(await createDatabase({ url: h.url, schema: h.schema!, max: 1 }));
  });
  afterAll(async () => {
    for (const p of pools) await p.close();
    await h.close();
  });

  it('never fail with a deadlock, and every entity’s version and audit trail count exactly its successes', async () => {
    const dbs = pools.length > 0 ? pools.map((p) => p.db) : Array.from({ length: CLIENTS }, () => h.db);
    const totals = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const wins = await Promise.all(dbs.map((db, client) => clientRound(db, client, round)));
      for (const w of wins) for (const [id, n] of w) totals.set(id, (totals.get(id) ?? 0) + n);
    }
    const final = await loadEntities(h.db, 'worker', IDS);
    const { rows } = await sql<{ id: string; n: number; max: number }>`
      SELECT entity_id AS id, count(*)::int AS n, max(seq)::int AS max FROM state_transitions
      WHERE entity_type = 'worker' GROUP BY entity_id`.execute(h.db);
    const audit = new Map(rows.map((r) => [r.id, r]));
    for (const id of IDS) {
      const successes = totals.get(id) ?? 0;
      expect(successes, id).toBeGreaterThanOrEqual(ROUNDS);
      expect(final.get(id)!.version, id).toBe(1 + successes);
      expect(audit.get(id), id).toEqual({ id, n: 1 + successes, max: 1 + successes });
    }
  });
});
