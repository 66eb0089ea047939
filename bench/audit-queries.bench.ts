/**
 * Benchmark (issue 14): the SSOT §7.3.2 reports and the inspection page's audit reads on 1,000,000 audit rows, with
 * `state_transitions` as before migration 0008 (latest, then its `down`: B-tree on transitioned_at, (entity_type,
 * to_state), workstream_id) and after it (latest: BRIN on transitioned_at, partial index of failure transitions).
 * The rows are written once by set-based SQL (bench/audit-fill.ts) into the "after" schema and copied into the
 * "before" one, so both hold the same rows in the same order; then VACUUM ANALYZE. Each query runs through the
 * product's own function (ops/ or persistence/), its SQL is captured on the way (a Kysely plugin) and run again
 * under `EXPLAIN (ANALYZE, BUFFERS)`; times are the medians of `rounds` calls of the function (warm cache, one
 * warm-up call first), rounds interleaved between the schemas. Prints a markdown table, the full plans, and the
 * size of every index of `state_transitions` in both schemas. Fresh schemas of DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test), dropped afterwards.
 * Run: `npx tsx bench/audit-queries.bench.ts [rounds=5] [rows=1000000]` (a few minutes).
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { CompiledQuery, sql, type Kysely, type KyselyPlugin } from 'kysely';
import { leanWritePathDown } from '../migrations/index.js';
import { failurePatterns, recentOverrides } from '../ops/index.js';
import { auditHighWater, auditMetricRows, createDatabase, InspectionReads, migrateToLatest, readHistory, type Database, type DatabaseHandle } from '../persistence/index.js';
import { fillAudit } from './audit-fill.js';
import { median } from './lifecycle/meter.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const ROWS = Number(process.argv[3] ?? 1_000_000);
const URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const tag = randomBytes(3).toString('hex');
const SIDES = ['before', 'after'] as const;
type Side = (typeof SIDES)[number];

/** One measured query: a call of the product's function against `db`. */
interface Probe {
  readonly name: string;
  readonly run: (db: Kysely<Database>) => Promise<unknown>;
}

/** `db` with a plugin that keeps the compiled SQL (text and parameters) of every query it runs. */
function capturing(db: Kysely<Database>): { db: Kysely<Database>; seen: CompiledQuery[] } {
  const seen: CompiledQuery[] = [];
  const executor = db.getExecutor();
  const plugin: KyselyPlugin = {
    transformQuery: (a) => {
      seen.push(executor.compileQuery(a.node, a.queryId));
      return a.node;
    },
    transformResult: async (a) => a.result,
  };
  return { db: db.withPlugin(plugin), seen };
}

/** The scan nodes of a text plan: index names, or `Seq Scan`. */
function scanNodes(plan: readonly string[]): string {
  const found = new Set<string>();
  for (const line of plan) {
    const m = /(Parallel )?(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\S+)/.exec(line);
    if (!m) continue;
    found.add(m[2] === 'Seq Scan' ? `${m[1] ?? ''}Seq Scan` : m[3]!.replace(/^state_transitions_/, '…_'));
  }
  return [...found].join(' + ');
}

async function explain(db: Kysely<Database>, q: CompiledQuery): Promise<string[]> {
  const { rows } = await db.executeQuery<Record<string, string>>(CompiledQuery.raw(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, [...q.parameters]));
  return rows.map((r) => r['QUERY PLAN']!);
}

async function indexSizes(db: Kysely<Database>, schema: string): Promise<Map<string, number>> {
  const { rows } = await sql<{ name: string; bytes: string }>`
    SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${schema} AND (c.relname = 'state_transitions' OR c.oid IN (
      SELECT indexrelid FROM pg_index WHERE indrelid = ${`"${schema}".state_transitions`}::regclass)) ORDER BY c.relname`.execute(db);
  return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const mb = (b: number | undefined) => (b === undefined ? '—' : b < 1 << 20 ? `${(b / 1024).toFixed(0)} kB` : `${(b / (1 << 20)).toFixed(1)} MB`);

const schemas: Record<Side, string> = { before: `bench_q_before_${tag}`, after: `bench_q_after_${tag}` };
const handles: Partial<Record<Side, DatabaseHandle>> = {};
try {
  console.log(`audit queries (issue 14), ${new Date().toISOString()}, node ${process.version}, ${ROWS.toLocaleString('en-US')} rows, ${ROUNDS} rounds, load ${load()}`);
  const after = (handles.after = await createDatabase({ url: URL, schema: schemas.after, max: 4 }));
  const before = (handles.before = await createDatabase({ url: URL, schema: schemas.before, max: 4 }));
  await migrateToLatest(after.db);
  await migrateToLatest(before.db);
  for (const s of leanWritePathDown) await sql.raw(s).execute(before.db);
  let t0 = performance.now();
  const written = await fillAudit(after.db, ROWS);
  console.log(`filled "after" with ${written.toLocaleString('en-US')} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s (INSERT … SELECT, VACUUM ANALYZE)`);
  t0 = performance.now();
  await sql.raw(`INSERT INTO state_transitions SELECT * FROM "${schemas.after}".state_transitions ORDER BY id`).execute(before.db);
  await sql.raw('VACUUM ANALYZE state_transitions').execute(before.db);
  console.log(`copied into "before" in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const stats = await sql<{ failures: string; overrides: string; runs: string; tasks: string }>`
    SELECT count(*) FILTER (WHERE severity = 'error') AS failures, count(*) FILTER (WHERE operator IS NOT NULL) AS overrides,
      count(DISTINCT run_id) AS runs, count(DISTINCT entity_id) FILTER (WHERE entity_type = 'task') AS tasks FROM state_transitions`.execute(after.db);
  const st = stats.rows[0]!;
  console.log(`rows in failure states ${st.failures}, overrides ${st.overrides}, runs ${st.runs}, tasks ${st.tasks}`);

  // Parameters, the same for both schemas (the rows and their ids are the same).
  const since = new Date(Date.now() - 86_400_000);
  const runId = 'run-025';
  const mid = await sql<{ id: string }>`SELECT id FROM state_transitions WHERE run_id = ${runId} ORDER BY id OFFSET 10000 LIMIT 1`.execute(after.db);
  const feedAfter = Number(mid.rows[0]?.id ?? 0);
  const maxId = Number(await auditHighWater(after.db));
  const probes: Probe[] = [
    { name: 'history of one task (`readHistory`)', run: (db) => readHistory(db, 'task', 'run-025.task-1234') },
    { name: 'failure patterns, last day (`failurePatterns`, limit 50)', run: (db) => failurePatterns(db, since) },
    { name: 'overrides, last day (`recentOverrides`)', run: (db) => recentOverrides(db, since) },
    { name: `a run's rows after an id (\`runTransitions\`, 200)`, run: (db) => new InspectionReads(db).runTransitions(runId, feedAfter, 200) },
    { name: `count of a run's rows (\`runCount\`)`, run: (db) => new InspectionReads(db).runCount(runId) },
    { name: 'max(id) (`auditHighWater`)', run: (db) => auditHighWater(db) },
    { name: 'metrics page after an id (`auditMetricRows`, 5000)', run: (db) => auditMetricRows(db, BigInt(maxId - 5000), 5000) },
  ];

  const lines = [`| query | before ms | after ms | plan before | plan after |`, `|---|---:|---:|---|---|`];
  const plans: string[] = [];
  for (const p of probes) {
    const times: Record<Side, number[]> = { before: [], after: [] };
    const plan: Partial<Record<Side, string[]>> = {};
    for (const side of SIDES) {
      const cap = capturing(handles[side]!.db);
      await p.run(cap.db);
      if (cap.seen.length !== 1) throw new Error(`${p.name}: expected one query, saw ${cap.seen.length}`);
      plan[side] = await explain(handles[side]!.db, cap.seen[0]!);
      if (side === 'after') plans.push(`### ${p.name}\n\n${'```'}sql\n${cap.seen[0]!.sql.trim()}\n-- parameters: ${JSON.stringify(cap.seen[0]!.parameters)}\n${'```'}`);
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of r % 2 === 0 ? SIDES : [...SIDES].reverse()) {
        const t = performance.now();
        await p.run(handles[side]!.db);
        times[side].push(performance.now() - t);
      }
    }
    lines.push(`| ${p.name} | ${ms(median(times.before))} | ${ms(median(times.after))} | ${scanNodes(plan.before!)} | ${scanNodes(plan.after!)} |`);
    for (const side of SIDES) plans.push(`${side}:\n\n${'```'}\n${plan[side]!.join('\n')}\n${'```'}`);
  }
  const sizes = { before: await indexSizes(before.db, schemas.before), after: await indexSizes(after.db, schemas.after) };
  const names = [...new Set([...sizes.before.keys(), ...sizes.after.keys()])].sort();
  const sizeLines = [`| relation | before | after |`, `|---|---:|---:|`];
  for (const n of names) sizeLines.push(`| ${n} | ${mb(sizes.before.get(n))} | ${mb(sizes.after.get(n))} |`);
  const total = (m: Map<string, number>) => [...m].filter(([n]) => n !== 'state_transitions').reduce((a, [, b]) => a + b, 0);
  sizeLines.push(`| all indexes | ${mb(total(sizes.before))} | ${mb(total(sizes.after))} |`);

  console.log(`\n${lines.join('\n')}\n\n(medians of ${ROUNDS} calls of the function, ms; warm cache)\n\n${sizeLines.join('\n')}\n`);
  console.log(plans.join('\n\n'));
  console.log(`\nload after: ${load()}`);
} finally {
  for (const side of SIDES) {
    const h = handles[side];
    if (!h) continue;
    await sql`drop schema if exists ${sql.id(schemas[side])} cascade`.execute(h.db).catch(() => undefined);
    await h.close();
  }
}
