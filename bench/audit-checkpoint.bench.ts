/**
 * Benchmark (issue 11): what a signed audit checkpoint costs — taking one (every chain head read in one snapshot,
 * digested, signed, stored), its stored size, and `verifyAudit` with K checkpoints against none. N tasks (default
 * 10,000; 2 audited rows each) in a fresh schema of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
 * dropped afterwards; times are medians of `rounds`.
 * Run: `npx tsx bench/audit-checkpoint.bench.ts [tasks=10000] [checkpoints=5] [rounds=3]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { generateAuditKey, PersistedActors, takeAuditCheckpoint, verifyAudit } from '../actors/index.js';
import { createDatabase, migrateToLatest } from '../persistence/index.js';
import { median } from './lifecycle/meter.js';

const N = Number(process.argv[2] ?? 10_000);
const K = Number(process.argv[3] ?? 5);
const ROUNDS = Number(process.argv[4] ?? 3);
const URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_ckpt_${randomBytes(4).toString('hex')}`;
const handle = await createDatabase({ url: URL, schema, max: 8 });
const dir = await mkdtemp(join(tmpdir(), 'gantry-bench-key-'));
const ms = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};
try {
  await migrateToLatest(handle.db);
  const key = await generateAuditKey(join(dir, 'audit-key.pem'));
  const actors = new PersistedActors({ db: handle.db, cacheSize: 2000 });
  for (let b = 0; b < N; b += 1000) {
    const ids = Array.from({ length: Math.min(1000, N - b) }, (_, i) => `c-${b + i}`);
    await actors.createMany(ids.map((id) => ({ entityType: 'task', id })));
    await Promise.all(ids.map((id) => actors.send('task', id, { type: 'scheduler_assigned' })));
  }
  await actors.close();
  console.log(`audit checkpoint benchmark, ${new Date().toISOString()}, node ${process.version}, ${N} chains, ${2 * N} audit rows, load ${loadavg()[0]!.toFixed(2)}`);
  const plain: number[] = [];
  for (let r = 0; r < ROUNDS; r++) plain.push(await ms(() => verifyAudit(handle.db, { key })));
  const take: number[] = [];
  for (let k = 0; k < K; k++) take.push(await ms(() => takeAuditCheckpoint(handle.db, key)));
  const { rows } = await sql<{ bytes: string }>`SELECT pg_column_size(heads)::text AS bytes FROM audit_checkpoints LIMIT 1`.execute(handle.db);
  const withK: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    withK.push(await ms(async () => {
      const v = await verifyAudit(handle.db, { key });
      if (!v.ok || v.checkpoints.verified !== K) throw new Error('verify failed on an untouched audit');
    }));
  }
  console.log(`  take one checkpoint: ${median(take).toFixed(0)} ms (median of ${K}); heads stored: ${rows[0]!.bytes} bytes (jsonb, compressed)`);
  console.log(`  verifyAudit: ${median(plain).toFixed(0)} ms without checkpoints, ${median(withK).toFixed(0)} ms with ${K} (medians of ${ROUNDS})`);
} finally {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
  await handle.close();
  await rm(dir, { recursive: true, force: true });
}
