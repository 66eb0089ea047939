/**
 * What each piece of the schema costs a task lifecycle (issue 14): the rows of a real lifecycle, stepwise (INSERT
 * `pending` + audit row, then four guarded UPDATEs each with its audit row, a statement per step and batch) or as
 * the engine writes them (`model` `engine`: bench/lifecycle/schema-ceiling.ts `lifecycleSteps`), written
 * by raw `pg` into a freshly migrated schema, once as migrated and once per variant with one index, constraint
 * group or trigger removed (or a storage setting changed). For each: lifecycles/s and PostgreSQL's CPU per
 * lifecycle (user + system time of every `postgres` process on this host, from /proc), medians of interleaved
 * rounds. The difference to the full schema is what that piece costs.
 */
import pg from 'pg';
import { createDatabase, migrateToLatest } from '../../persistence/index.js';
import { postgresCpu, postgresCpuSince } from '../competitors/postgres-cpu.mjs';
import { median } from './meter.js';
import { freshLifecycle, lifecycleSteps, template, type WriteModel } from './schema-ceiling.js';

/** One variant: a name and the DDL run after migrating (given the catalog of what the schema holds). */
export interface CostVariant {
  readonly name: string;
  readonly ddl: (catalog: SchemaCatalog) => readonly string[];
}

/** What a migrated schema holds on the two hot tables. */
export interface SchemaCatalog {
  /** Index name → [table, backing constraint or null]. */
  readonly indexes: ReadonlyMap<string, readonly [string, string | null]>;
  /** Trigger name → table. */
  readonly triggers: ReadonlyMap<string, string>;
  /** CHECK and FOREIGN KEY constraints: name → [table, 'c' | 'f']. */
  readonly constraints: ReadonlyMap<string, readonly [string, string]>;
}

/** The measurement of one variant. */
export interface CostResult {
  readonly name: string;
  readonly lifecyclesPerS: number;
  /** PostgreSQL CPU (all its processes) per lifecycle, µs. */
  readonly pgCpuUs: number;
  /** Heap-only updates of `tasks` / all its updates, in the last round. */
  readonly hot: string;
}

async function catalogOf(pool: pg.Pool, schema: string): Promise<SchemaCatalog> {
  const tables = ['tasks', 'state_transitions'];
  const idx = await pool.query<{ i: string; t: string; c: string | null }>(
    `select ic.relname as i, tc.relname as t, con.conname as c from pg_index x
       join pg_class ic on ic.oid = x.indexrelid join pg_class tc on tc.oid = x.indrelid
       join pg_namespace n on n.oid = tc.relnamespace left join pg_constraint con on con.conindid = x.indexrelid
     where n.nspname = $1 and tc.relname = any($2)`, [schema, tables]);
  const trg = await pool.query<{ g: string; t: string }>(
    `select g.tgname as g, c.relname as t from pg_trigger g join pg_class c on c.oid = g.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relname = any($2) and not g.tgisinternal`, [schema, tables]);
  const con = await pool.query<{ n: string; t: string; k: string }>(
    `select con.conname as n, c.relname as t, con.contype as k from pg_constraint con join pg_class c on c.oid = con.conrelid
       join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = any($2) and con.contype in ('c', 'f')`, [schema, tables]);
  return {
    indexes: new Map(idx.rows.map((r) => [r.i, [r.t, r.c] as const])),
    triggers: new Map(trg.rows.map((r) => [r.g, r.t])),
    constraints: new Map(con.rows.map((r) => [r.n, [r.t, r.k] as const])),
  };
}

/** DDL removing an index (through its constraint when it backs one). */
export const dropIndex = (c: SchemaCatalog, name: string): string[] => {
  const found = c.indexes.get(name);
  if (!found) return [];
  return [found[1] ? `alter table ${found[0]} drop constraint ${found[1]} cascade` : `drop index ${name}`];
};
/** DDL removing every constraint of `kind` ('c' CHECK, 'f' FOREIGN KEY) on `table`. */
export const dropConstraints = (c: SchemaCatalog, table: string, kind: string): string[] =>
  [...c.constraints].filter(([, [t, k]]) => t === table && k === kind).map(([n]) => `alter table ${table} drop constraint ${n}`);

/**
 * Measures every variant (and the schema as migrated, named `full`) over `rounds` interleaved rounds of
 * `lifecycles` lifecycles in batches of `batch` on `connections` connections. Each variant runs in its own fresh
 * schema, dropped after.
 */
export async function schemaCosts(url: string, prefix: string, variants: readonly CostVariant[], lifecycles = 10_000, batch = 200, connections = 4, rounds = 3, model: WriteModel = 'stepwise'): Promise<CostResult[]> {
  const all: CostVariant[] = [{ name: 'full', ddl: () => [] }, ...variants];
  const tplSchema = `${prefix}_tpl`;
  const setup = await createDatabase({ url, schema: tplSchema, max: 2 });
  await migrateToLatest(setup.db);
  await setup.close();
  const tpl = await template(url, tplSchema);
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  await admin.query(`drop schema ${tplSchema} cascade`);
  const samples = new Map<string, { rate: number[]; cpu: number[]; hot: string }>(all.map((v) => [v.name, { rate: [], cpu: [], hot: '' }]));
  let serial = 0;
  try {
    for (let r = 0; r < rounds; r++) {
      for (const v of all.map((_, i) => all[(i + r) % all.length]!)) {
        const schema = `${prefix}_${r}_${all.indexOf(v)}`;
        const h = await createDatabase({ url, schema, max: 2 });
        await migrateToLatest(h.db);
        await h.close();
        const pool = new pg.Pool({ connectionString: url, max: connections, options: `-c search_path=${schema}` });
        try {
          for (const stmt of v.ddl(await catalogOf(pool, schema))) await pool.query(stmt);
          const ls = Array.from({ length: lifecycles / batch }, () => Array.from({ length: batch }, () => freshLifecycle(tpl, serial++)));
          const steps = lifecycleSteps(tpl, ls, model);
          await pool.query('select 1');
          const cpu0 = postgresCpu();
          const t0 = performance.now();
          for (const stmts of steps) {
            let next = 0;
            await Promise.all(Array.from({ length: connections }, async () => {
              while (next < stmts.length) {
                const [text, params] = stmts[next++]!;
                await pool.query(text, [...params]);
              }
            }));
          }
          const seconds = (performance.now() - t0) / 1000;
          const cpu = postgresCpuSince(cpu0) ?? NaN;
          const done = await pool.query<{ n: string }>(`select count(*) as n from tasks where state = 'completed'`);
          if (Number(done.rows[0]!.n) !== lifecycles) throw new Error(`${v.name}: ${done.rows[0]!.n} completed tasks, expected ${lifecycles}`);
          if (r === rounds - 1) await new Promise((res) => setTimeout(res, 1100)); // statistics reach the views within a second
          const st = await pool.query<{ hot: string; upd: string }>(`select n_tup_hot_upd as hot, n_tup_upd as upd from pg_stat_user_tables where schemaname = $1 and relname = 'tasks'`, [schema]);
          const s = samples.get(v.name)!;
          s.rate.push(lifecycles / seconds);
          s.cpu.push(cpu / lifecycles);
          s.hot = st.rows[0] ? `${st.rows[0].hot}/${st.rows[0].upd}` : '?';
        } finally {
          await pool.end();
          await admin.query(`drop schema if exists ${schema} cascade`);
        }
      }
    }
  } finally {
    await admin.end();
  }
  return all.map((v) => {
    const s = samples.get(v.name)!;
    return { name: v.name, lifecyclesPerS: median(s.rate), pgCpuUs: median(s.cpu), hot: s.hot };
  });
}
