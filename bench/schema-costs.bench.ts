/**
 * Benchmark (issue 14): what each index, constraint group and trigger of the two hot tables costs a task
 * lifecycle — the stepwise rows of a real lifecycle written by raw `pg` (bench/lifecycle/schema-costs.ts) into the
 * schema as migrated and into variants with one piece removed or changed; lifecycles/s and PostgreSQL CPU µs per
 * lifecycle, medians of interleaved rounds, and the difference to the full schema.
 * Run: `npx tsx bench/schema-costs.bench.ts [rounds=3] [lifecycles=10000] [--only TEXT,…] [--model stepwise|engine]`
 * (only the variants whose name contains one of the texts, beside `full`; the rows stepwise, default, or as the
 * engine writes them since coalesced moves; DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test; PostgreSQL must run on this host for its CPU to be read).
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { leanWritePathDown } from '../migrations/index.js';
import { dropConstraints, dropIndex, schemaCosts, type CostVariant, type SchemaCatalog } from './lifecycle/schema-costs.js';

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const ONLY = onlyAt >= 0 ? (args.splice(onlyAt, 2)[1] ?? '').split(',').filter(Boolean) : null;
const modelAt = args.indexOf('--model');
const MODEL = modelAt >= 0 ? args.splice(modelAt, 2)[1] : 'stepwise';
if (MODEL !== 'stepwise' && MODEL !== 'engine') throw new Error(`--model must be stepwise or engine, not ${String(MODEL)}`);
const ROUNDS = Number(args[0] ?? 3);
const LIFECYCLES = Number(args[1] ?? 10_000);
const URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const triggersOf = (c: SchemaCatalog, table: string, not?: string): string[] =>
  [...c.triggers].filter(([n, t]) => t === table && (not === undefined || !n.includes(not))).map(([n]) => `drop trigger ${n} on ${table}`);

/** Every secondary index, CHECK, foreign key and trigger of the two tables removed: what no index design can beat. */
const bare = (c: SchemaCatalog): string[] => [
  ...[...c.indexes].filter(([n, [, con]]) => !(con ?? '').endsWith('_pkey') && !n.endsWith('_pkey')).flatMap(([n]) => dropIndex(c, n)),
  ...dropConstraints(c, 'state_transitions', 'c'), ...dropConstraints(c, 'tasks', 'c'), ...dropConstraints(c, 'tasks', 'f'),
  ...triggersOf(c, 'tasks'), 'drop trigger state_transitions_notify on state_transitions',
];

/** Every index of the two tables on its own, then the groups. */
const variants = (names: readonly string[]): CostVariant[] => [
  { name: 'as before 0008 (its down)', ddl: () => leanWritePathDown },
  ...names.map((n): CostVariant => ({ name: `− index ${n}`, ddl: (c) => dropIndex(c, n) })),
  { name: '− CHECKs of state_transitions', ddl: (c) => dropConstraints(c, 'state_transitions', 'c') },
  { name: '− CHECKs of tasks', ddl: (c) => dropConstraints(c, 'tasks', 'c') },
  { name: '− foreign keys of tasks', ddl: (c) => dropConstraints(c, 'tasks', 'f') },
  { name: '− row triggers of tasks', ddl: (c) => triggersOf(c, 'tasks') },
  { name: '− NOTIFY trigger', ddl: () => ['drop trigger state_transitions_notify on state_transitions'] },
  { name: '+ tasks fillfactor 50', ddl: () => ['alter table tasks set (fillfactor = 50)'] },
  { name: 'bare (primary keys only)', ddl: bare },
  { name: 'bare + tasks fillfactor 50 (HOT updates possible)', ddl: (c) => [...bare(c), 'alter table tasks set (fillfactor = 50)'] },
];

const INDEXES = [
  'state_transitions_pkey', 'state_transitions_event_id_key', 'state_transitions_entity_seq_key',
  'state_transitions_failures_idx', 'state_transitions_transitioned_at_brin', 'state_transitions_run_id_idx', 'state_transitions_operator_idx',
  'tasks_state_idx', 'tasks_run_id_idx', 'tasks_workstream_id_idx', 'tasks_worker_id_idx', 'tasks_queued_claim_idx', 'tasks_retry_due_idx', 'tasks_deadline_idx',
];

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`schema costs, ${new Date().toISOString()}, ${ROUNDS} rounds of ${LIFECYCLES} lifecycles written ${MODEL} (batches of 200, 4 connections), load ${load()}`);
const chosen = variants(INDEXES).filter((v) => ONLY === null || ONLY.some((o) => v.name.includes(o)));
const results = await schemaCosts(URL, `bench_costs_${randomBytes(3).toString('hex')}`, chosen, LIFECYCLES, 200, 4, ROUNDS, MODEL);
const full = results[0]!;
const f = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`\n| variant | lifecycles/s | PG CPU µs/lifecycle | Δ PG CPU µs | tasks HOT updates |`);
console.log(`|---|---:|---:|---:|---:|`);
for (const r of results) console.log(`| ${r.name} | ${f(r.lifecyclesPerS)} | ${f(r.pgCpuUs)} | ${r === full ? '' : f(r.pgCpuUs - full.pgCpuUs)} | ${r.hot} |`);
console.log(`\nload after: ${load()}`);
