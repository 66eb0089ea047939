import pg from 'pg';
const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
await c.connect();
await c.query('create temp table x (n int)');
await c.query('create table if not exists xx_lat (n int)');
const t: number[] = []; const s: number[] = [];
for (let i = 0; i < 100; i++) {
  let t0 = performance.now();
  await c.query('insert into xx_lat values (1)');
  t.push(performance.now() - t0);
  t0 = performance.now();
  await c.query('select 1');
  s.push(performance.now() - t0);
}
const med = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1]!.toFixed(2);
console.log(`autocommit insert p50 ${med(t)} ms; select 1 p50 ${med(s)} ms`);
await c.query('drop table xx_lat');
await c.end();
