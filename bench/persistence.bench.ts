/**
 * Benchmark: persisted transitions per second (docs/design/engine.md §3) at 1, 4 and 16 concurrent clients.
 *  - PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test), in a fresh schema:
 *    ours = PersistedActors.send (zod check, pure machine step, SHA-256 chain, group commit);
 *    baseline = raw `pg`, one connection per client, the same row work per transition
 *    (BEGIN; guarded UPDATE … WHERE version = $v; audit INSERT; COMMIT), in the same run, interleaved rounds.
 *  - PGlite (in memory, one connection): ours at the same client counts.
 *  - A burst: 2,000 entities, one event each, sent at once (what group commit is for).
 *  - PostgreSQL only, the persistence ceiling: `commitTransitions` alone on 8,000 transitions decided beforehand
 *    (not timed), batches of 1,000 on 2 connections, every constraint in place (bench/persistence-ceiling.ts).
 * Each client drives its own circuit breaker (call_failed / call_succeeded alternating). Prints medians and ratios.
 * Run: `npm run bench:persistence` (or `npx tsx bench/persistence.bench.ts [seconds-per-measurement] [rounds]`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import { PersistedActors } from '../actors/index.js';
import { createDatabase, migrateToLatest, type DatabaseHandle } from '../persistence/index.js';
import { persistenceCeiling } from './persistence-ceiling.js';

const SECONDS = Number(process.argv[2] ?? 3);
const ROUNDS = Number(process.argv[3] ?? 3);
const CLIENTS = [1, 4, 16];
const URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Runs `clients` loops for SECONDS; each loop calls `step(client, i)` back to back. Returns transitions/s. */
async function drive(clients: number, step: (c: number, i: number) => Promise<void>): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        await step(c, i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

let seq = 0;
async function oursRun(actors: PersistedActors, clients: number, tag: string): Promise<number> {
  const ids = Array.from({ length: clients }, (_, c) => `${tag}-${seq++}-${c}`);
  for (const id of ids) await actors.create('circuit_breaker', id, { failure_threshold: 1_000_000_000 });
  return drive(clients, (c, i) => actors.send('circuit_breaker', ids[c]!, { type: i % 2 ? 'call_succeeded' : 'call_failed' }).then(() => undefined));
}

/** The raw baseline: per transition one transaction of a guarded UPDATE and an audit INSERT on its own connection. */
async function rawRun(pool: pg.Pool, actors: PersistedActors, schema: string, clients: number): Promise<number> {
  const ids = Array.from({ length: clients }, (_, c) => `raw-${seq++}-${c}`);
  for (const id of ids) await actors.create('circuit_breaker', id, { failure_threshold: 1_000_000_000 });
  const conns = await Promise.all(ids.map(() => pool.connect()));
  const state = ids.map(() => ({ version: 1, hash: 'f'.repeat(64), count: 0 }));
  try {
    for (const c of conns) await c.query(`SET search_path TO ${schema}`);
    return await drive(clients, async (c, i) => {
      const s = state[c]!;
      const conn = conns[c]!;
      const count = i % 2 ? 0 : s.count + 1;
      const snapshot = JSON.stringify({ status: 'active', value: 'CLOSED', context: { failure_count: count } });
      const hash = createHash('sha256').update(s.hash).update(snapshot).digest('hex');
      const eventId = `evt_${randomBytes(13).toString('hex').slice(0, 26).toUpperCase().replace(/[ILOU]/g, '0')}`;
      await conn.query('BEGIN');
      const u = await conn.query(
        'UPDATE circuit_breakers SET snapshot = $1::jsonb, version = version + 1, last_hash = $2, failure_count = $3, updated_at = now() WHERE id = $4 AND version = $5',
        [snapshot, hash, count, ids[c], s.version],
      );
      if (u.rowCount !== 1) throw new Error('baseline lost its row');
      await conn.query(
        `INSERT INTO state_transitions (event_id, entity_type, entity_id, seq, from_state, to_state, trigger, metadata, severity, transitioned_at, prev_hash, hash)
         VALUES ($1, 'circuit_breaker', $2, $3, 'CLOSED', 'CLOSED', $4, $5::jsonb, 'info', now(), $6, $7)`,
        [eventId, ids[c], s.version + 1, i % 2 ? 'call_succeeded' : 'call_failed', snapshot, s.hash, hash],
      );
      await conn.query('COMMIT');
      s.version++;
      s.hash = hash;
      s.count = count;
    });
  } finally {
    for (const c of conns) c.release();
  }
}

async function burst(actors: PersistedActors, n: number): Promise<number> {
  const ids = Array.from({ length: n }, (_, i) => `burst-${seq++}-${i}`);
  for (const id of ids) await actors.create('circuit_breaker', id, { failure_threshold: 1_000_000_000 });
  const t0 = performance.now();
  await Promise.all(ids.map((id) => actors.send('circuit_breaker', id, { type: 'call_failed' })));
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${SECONDS}s per measurement, ${ROUNDS} interleaved rounds, medians\n`);
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const handle: DatabaseHandle = await createDatabase({ url: URL, schema, max: 20 });
  const pool = new pg.Pool({ connectionString: URL, max: 20 });
  try {
    await migrateToLatest(handle.db);
    const actors = new PersistedActors({ db: handle.db });
    console.log('PostgreSQL             ours tr/s    raw pg tr/s   ours/raw');
    for (const n of CLIENTS) {
      const o: number[] = [];
      const r: number[] = [];
      for (let k = 0; k < ROUNDS; k++) {
        if (k % 2 === 0) {
          o.push(await oursRun(actors, n, 'pg'));
          r.push(await rawRun(pool, actors, schema, n));
        } else {
          r.push(await rawRun(pool, actors, schema, n));
          o.push(await oursRun(actors, n, 'pg'));
        }
      }
      console.log(`  ${String(n).padStart(2)} clients    ${fmt(median(o)).padStart(12)} ${fmt(median(r)).padStart(14)}   ${(median(o) / median(r)).toFixed(2)}`);
    }
    const b = [await burst(actors, 2000), await burst(actors, 2000), await burst(actors, 2000)];
    console.log(`  burst: 2,000 entities x 1 event at once: ${fmt(median(b))} tr/s (group commit)`);
    const ceiling = await persistenceCeiling(handle.db, actors);
    console.log(`  ceiling: commitTransitions alone, pre-decided, batches of 1,000 on 2 connections: ${fmt(ceiling)} tr/s\n`);
    await actors.close();
  } finally {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
    await handle.close();
    await pool.end();
  }

  const lite = await createDatabase({ pglite: new PGlite(), label: 'pglite (memory)' });
  try {
    await migrateToLatest(lite.db);
    const actors = new PersistedActors({ db: lite.db });
    console.log('PGlite (in memory)     ours tr/s');
    for (const n of CLIENTS) {
      const o: number[] = [];
      for (let k = 0; k < ROUNDS; k++) o.push(await oursRun(actors, n, 'lite'));
      console.log(`  ${String(n).padStart(2)} clients    ${fmt(median(o)).padStart(12)}`);
    }
    const b = [await burst(actors, 2000), await burst(actors, 2000), await burst(actors, 2000)];
    console.log(`  burst: 2,000 entities x 1 event at once: ${fmt(median(b))} tr/s`);
    await actors.close();
  } finally {
    await lite.close();
  }
}

await main();
