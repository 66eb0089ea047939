/**
 * Benchmark: `gantry audit verify` and `gantry audit replay` over a populated audit, against the floor of reading the
 * same rows (`readAllChains` alone, nothing checked). N tasks (default 30,000) are created with `createMany` and
 * sent `scheduler_assigned` (2 audited rows each) in a fresh schema of DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test), dropped afterwards; each measurement is the median of `rounds`.
 * Run: `npx tsx bench/audit-verify.bench.ts [tasks=30000] [rounds=3]`.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { PersistedActors, replayAudit, verifyAudit } from '../actors/index.js';
import { createDatabase, migrateToLatest, readAllChains } from '../persistence/index.js';
import { median } from './lifecycle/meter.js';

const N = Number(process.argv[2] ?? 30_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_verify_${randomBytes(4).toString('hex')}`;
const handle = await createDatabase({ url: URL, schema, max: 8 });
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
try {
  await migrateToLatest(handle.db);
  const actors = new PersistedActors({ db: handle.db, cacheSize: 2000 });
  for (let b = 0; b < N; b += 1000) {
    const ids = Array.from({ length: Math.min(1000, N - b) }, (_, i) => `v-${b + i}`);
    await actors.createMany(ids.map((id) => ({ entityType: 'task', id })));
    await Promise.all(ids.map((id) => actors.send('task', id, { type: 'scheduler_assigned' })));
  }
  await actors.close();
  console.log(`audit verify/replay benchmark, ${new Date().toISOString()}, node ${process.version}, ${N} tasks, ${2 * N} audit rows, load ${loadavg()[0]!.toFixed(2)}`);
  const timed = async (f: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await f();
    return (2 * N) / ((performance.now() - t0) / 1000);
  };
  const rates = { read: [] as number[], verify: [] as number[], replay: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    rates.read.push(await timed(async () => {
      for await (const _row of readAllChains(handle.db)) void _row;
    }));
    rates.verify.push(await timed(async () => {
      if (!(await verifyAudit(handle.db)).ok) throw new Error('verify failed on an untouched audit');
    }));
    rates.replay.push(await timed(async () => {
      if (!(await replayAudit(handle.db)).ok) throw new Error('replay failed on an untouched audit');
    }));
  }
  const read = median(rates.read);
  console.log(`  rows/s (medians of ${ROUNDS}): read alone ${fmt(read)}, verify ${fmt(median(rates.verify))} (${(median(rates.verify) / read).toFixed(2)} of read), replay ${fmt(median(rates.replay))} (${(median(rates.replay) / read).toFixed(2)} of read)`);
} finally {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
  await handle.close();
}
