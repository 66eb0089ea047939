import { sql } from 'kysely';
import { PersistedActors } from '../../actors/index.js';
import { createDatabase, migrateToLatest } from '../../persistence/index.js';
const url = 'postgres://postgres@127.0.0.1:5432/test';
const h = await createDatabase({ url, schema: 'latx', max: 8 });
const w = await createDatabase({ url, schema: 'latx', max: 8 });
await migrateToLatest(h.db);
const a = new PersistedActors({ db: h.db });
const b = new PersistedActors({ db: w.db });
const cm: number[] = [], cl: number[] = [], both: number[] = [];
for (let i = 0; i < 200; i++) {
  const ids = Array.from({ length: 10 }, (_, k) => `l-${i}-${k}`);
  const t0 = performance.now();
  await a.createMany(ids.map((id) => ({ entityType: 'task' as const, id, then: [{ type: 'scheduler_assigned' as const }] })));
  const t1 = performance.now();
  const got = await b.claim({ workerId: 'w', capabilities: [], limit: 100 });
  const t2 = performance.now();
  if (got.length !== 10) throw new Error(`got ${got.length}`);
  cm.push(t1 - t0); cl.push(t2 - t1); both.push(t2 - t0);
  await new Promise((r) => setTimeout(r, 20));
}
const med = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1]!.toFixed(2);
console.log(`createMany p50 ${med(cm)} ms, claim p50 ${med(cl)} ms, both ${med(both)} ms`);
await a.close(); await b.close();
await sql`drop schema latx cascade`.execute(h.db);
await h.close(); await w.close();
