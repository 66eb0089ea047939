/**
 * The schema's ceiling for issue 4's benchmark: how many no-op task lifecycles/s PostgreSQL on this machine can
 * write with no engine at all — raw `pg`, rows prepared before the clock starts, the real schema (every CHECK,
 * index, unique key and trigger of migrations 0001–0003). The rows are copies of one lifecycle Gantry really
 * wrote (same columns, sizes, snapshots, metadata), with fresh ids, event ids and hashes.
 *
 * Five ways to write a lifecycle's rows, from the least the SSOT allows to what a run must do:
 *  - `copyAudit`: the 5 `state_transitions` rows alone by `COPY … FROM STDIN` (CSV text prepared beforehand), the
 *    round's rows split in one `COPY` per connection — the bulk-load bound, which no engine can use for guarded row
 *    moves;
 *  - `auditOnly`: the 5 `state_transitions` rows alone (SSOT §6.7: one audited row per transition), no entity row;
 *  - `coalesced`: the task row once, in its final state, plus its 5 audit rows, one statement per batch — as if a
 *    whole lifecycle were decided at once (no real engine can: each step waits for the outside world);
 *  - `stepwise`: what a run must write, each step its own statement and transaction as the steps happen apart in
 *    time (the row must be visible as `queued` to be claimed): INSERT `pending` + audit, then four guarded UPDATEs
 *    of the row (version + 1) each with its audit row;
 *  - `engine`: what Gantry's engine writes since coalesced moves (ADR 0012): INSERT `queued` + 2 audit rows
 *    (`createMany … then`), the claim's guarded UPDATE + 1, then one guarded UPDATE (version + 2) to `completed` + 2
 *    (a no-op task's two reports coalesced).
 * Batches of `batch` lifecycles; each way is tried on 2, 4 and 8 connections and its best is kept; every statement
 * autocommits (`fsync` as configured).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sql } from 'kysely';
import { PersistedActors } from '../../actors/index.js';
import { createDatabase, migrateToLatest } from '../../persistence/index.js';
import { median } from './meter.js';

/** Lifecycles/s of each way: the best, over the connection counts tried, of the median of the rounds. */
export interface SchemaCeiling {
  readonly copyAudit: number;
  readonly auditOnly: number;
  readonly coalesced: number;
  readonly engine: number;
  readonly stepwise: number;
  /** The connection count that gave each figure. */
  readonly connections: Readonly<Record<CeilingWay, number>>;
}

/** The ways of {@link SchemaCeiling}. */
export type CeilingWay = 'copyAudit' | 'auditOnly' | 'coalesced' | 'engine' | 'stepwise';
const WAYS: readonly CeilingWay[] = ['copyAudit', 'auditOnly', 'coalesced', 'engine', 'stepwise'];

/** A row as a JSON object. */
export type Row = Record<string, unknown>;
/** A statement and its parameters. */
export type Statement = readonly [string, readonly string[]];
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A 64-hex-digit stand-in hash. */
const hex64 = (n: number): string => n.toString(16).padStart(64, 'a');
/** A well-formed event id for `n`. */
const eventId = (n: number): string => {
  let s = '';
  for (let i = 0; i < 26; i++, n = Math.floor(n / 32)) s = CROCKFORD[n % 32]! + s;
  return `evt_${s}`;
};

/** One lifecycle written by Gantry: the task row after each step and the 5 audit rows, as JSON objects. */
export async function template(url: string, schema: string): Promise<{ tasks: Row[]; audit: Row[] }> {
  const handle = await createDatabase({ url, schema, max: 2 });
  const actors = new PersistedActors({ db: handle.db });
  const tasks: Row[] = [];
  const snap = async () => tasks.push((await sql<{ j: Row }>`select to_jsonb(t) - 'id' as j from tasks t where id = 'tpl'`.execute(handle.db)).rows[0]!.j);
  try {
    await actors.create('task', 'tpl', {});
    await snap();
    await actors.send('task', 'tpl', { type: 'scheduler_assigned' });
    await snap();
    await actors.claim({ workerId: 'tpl-worker', capabilities: [], limit: 1 });
    await snap();
    await actors.send('task', 'tpl', { type: 'execution_completed', exit_code: 0 });
    await snap();
    await actors.send('task', 'tpl', { type: 'validation_passed' });
    await snap();
    const audit = (await sql<{ j: Row }>`select to_jsonb(s) - 'id' as j from state_transitions s where entity_id = 'tpl' order by seq`.execute(handle.db)).rows.map((r) => r.j);
    await sql`delete from tasks where id = 'tpl'`.execute(handle.db);
    return { tasks, audit };
  } finally {
    await actors.close();
    await handle.close();
  }
}

/** Lifecycle `n` of the template: a fresh task id and its audit rows with fresh event ids and a hash chain. */
export function freshLifecycle(tpl: { readonly audit: readonly Row[] }, n: number): { id: string; audit: Row[] } {
  const id = `c-${n}`;
  return { id, audit: tpl.audit.map((r, k) => ({ ...r, entity_id: id, event_id: eventId(n * 8 + k), hash: hex64(n * 8 + k), prev_hash: k === 0 ? null : hex64(n * 8 + k - 1) })) };
}

/** `INSERT INTO state_transitions` of the audit rows given as one JSON parameter (`param`). */
const auditInsert = (columns: readonly string[], param: string): string =>
  `insert into state_transitions (${columns.join(', ')}) select ${columns.join(', ')} from json_populate_recordset(null::state_transitions, ${param}::json)`;

/** One CSV field of COPY: null empty and unquoted, objects as JSON, everything else quoted with quotes doubled. */
const csvField = (v: unknown): string => (v === null || v === undefined ? '' : `"${(typeof v === 'object' ? JSON.stringify(v) : String(v)).replaceAll('"', '""')}"`);

/** `rows` (objects with `columns`) as the CSV text a `COPY … FROM STDIN WITH (FORMAT csv)` reads. */
const csvOf = (columns: readonly string[], rows: readonly Row[]): string => rows.map((r) => `${columns.map((c) => csvField(r[c])).join(',')}\n`).join('');

/** `COPY`s prepared CSV text into `state_transitions` on one client of `pool`. */
async function copyAudit(pool: pg.Pool, columns: readonly string[], csv: string): Promise<void> {
  const client = await pool.connect();
  try {
    const stream = client.query(copyFrom(`copy state_transitions (${columns.join(', ')}) from stdin with (format csv)`));
    await pipeline(Readable.from([csv]), stream);
  } finally {
    client.release();
  }
}

/**
 * One step of a batch as ONE statement: its audit rows ($2) and its task rows ($1), inserted (`insert`, the
 * creation) or guarded-updated (version + `steps`: a coalesced move of `steps` transitions).
 */
export function stepStatement(auditColumns: readonly string[], insert: boolean, steps = 1): string {
  const a = `a as (${auditInsert(auditColumns, '$2')} returning 1)`;
  return insert
    ? `with ${a} insert into tasks select * from json_populate_recordset(null::tasks, $1::json)`
    : `with ${a}, s as (select * from json_populate_recordset(null::tasks, $1::json))
       update tasks t set state = s.state, version = s.version, snapshot = s.snapshot, updated_at = s.updated_at, worker_id = s.worker_id,
         started_at = s.started_at, completed_at = s.completed_at, deadline_at = s.deadline_at, last_hash = s.last_hash, machine_version = s.machine_version
       from s where t.id = s.id and t.version = s.version - ${steps}`;
}

/** How a lifecycle's rows reach the database step by step: `stepwise` (5 steps) or the engine's model (3 steps). */
export type WriteModel = 'stepwise' | 'engine';

/**
 * The statements of each step (in order) for batches of lifecycles, each step one statement per batch:
 * `stepwise` INSERT `pending` + audit row, then 4 guarded UPDATEs + 1 each; `engine` INSERT `queued` + 2 audit rows,
 * the claim's UPDATE + 1, one UPDATE by 2 versions to `completed` + 2.
 */
export function lifecycleSteps(tpl: { readonly tasks: readonly Row[]; readonly audit: readonly Row[] }, batches: readonly (readonly { id: string; audit: Row[] }[])[], model: WriteModel): Statement[][] {
  const columns = Object.keys(tpl.audit[0]!);
  // [task row after the step, audit rows from, to, versions the step moves (0: the insert)]
  const plan: readonly (readonly [number, number, number, number])[] = model === 'stepwise'
    ? tpl.tasks.map((_, k) => [k, k, k + 1, k === 0 ? 0 : 1] as const)
    : [[1, 0, 2, 0], [2, 2, 3, 1], [4, 3, 5, 2]];
  return plan.map(([row, from, to, steps]) => batches.map((b): Statement => [
    stepStatement(columns, steps === 0, Math.max(steps, 1)),
    [JSON.stringify(b.map((l) => ({ ...tpl.tasks[row], id: l.id }))), JSON.stringify(b.flatMap((l) => l.audit.slice(from, to)))],
  ]));
}

/** Measures the five ways for `lifecycles` lifecycles per round in `schema` (created, migrated, dropped). */
export async function schemaCeiling(url: string, schema: string, lifecycles = 20_000, batch = 200, connectionCounts: readonly number[] = [2, 4, 8], rounds = 3): Promise<SchemaCeiling> {
  const setup = await createDatabase({ url, schema, max: 2 });
  await migrateToLatest(setup.db);
  await setup.close();
  const tpl = await template(url, schema);
  const pool = new pg.Pool({ connectionString: url, max: Math.max(...connectionCounts), options: `-c search_path=${schema}` });
  let serial = 0;
  const fresh = (): { id: string; audit: Row[] } => freshLifecycle(tpl, serial++);
  const columns = Object.keys(tpl.audit[0]!);
  const both = (insert: boolean): string => stepStatement(columns, insert);
  /** Runs `statements` (each [sql, params]) on the pool, `connections` at a time; returns lifecycles/s. */
  const timed = async (count: number, statements: readonly Statement[], connections: number): Promise<number> => {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < statements.length) {
          const [text, params] = statements[next++]!;
          await pool.query(text, [...params]);
        }
      }),
    );
    return count / ((performance.now() - t0) / 1000);
  };
  type Way = CeilingWay;
  const rates = new Map<string, number[]>(); // `${way}@${connections}` → rates of the rounds
  const push = (way: Way, connections: number, rate: number) => rates.set(`${way}@${connections}`, [...(rates.get(`${way}@${connections}`) ?? []), rate]);
  try {
    for (let r = 0; r < rounds; r++) {
      for (const n of connectionCounts) {
        const batches = (): { id: string; audit: Row[] }[][] => Array.from({ length: lifecycles / batch }, () => Array.from({ length: batch }, fresh));
        const all = batches().flat().flatMap((l) => l.audit);
        const per = Math.ceil(all.length / n);
        const csvs = Array.from({ length: n }, (_, k) => csvOf(columns, all.slice(k * per, (k + 1) * per)));
        const c0 = performance.now();
        await Promise.all(csvs.map((csv) => copyAudit(pool, columns, csv)));
        push('copyAudit', n, lifecycles / ((performance.now() - c0) / 1000));
        const a = batches().map((b) => [auditInsert(columns, '$1'), [JSON.stringify(b.flatMap((l) => l.audit))]] as const);
        push('auditOnly', n, await timed(lifecycles, a, n));
        const c = batches().map((b) => [both(true), [JSON.stringify(b.map((l) => ({ ...tpl.tasks[4], id: l.id }))), JSON.stringify(b.flatMap((l) => l.audit))]] as const);
        push('coalesced', n, await timed(lifecycles, c, n));
        // Every batch's step k after every batch's step k−1 (a row is claimed only once it is queued).
        for (const model of ['stepwise', 'engine'] as const) {
          const steps = lifecycleSteps(tpl, batches(), model);
          const t0 = performance.now();
          for (const step of steps) await timed(lifecycles, step, n);
          push(model, n, lifecycles / ((performance.now() - t0) / 1000));
        }
      }
    }
    const check = await pool.query<{ n: string }>(`select count(*) as n from tasks where state = 'completed'`);
    const expected = lifecycles * rounds * connectionCounts.length * 3;
    if (Number(check.rows[0]!.n) !== expected) throw new Error(`schema ceiling wrote ${check.rows[0]!.n} completed tasks, expected ${expected}`);
  } finally {
    await pool.query(`drop schema if exists ${schema} cascade`);
    await pool.end();
  }
  const best = (way: Way): [number, number] => connectionCounts.map((n): [number, number] => [median(rates.get(`${way}@${n}`)!), n]).sort((x, y) => y[0] - x[0])[0]!;
  const found = Object.fromEntries(WAYS.map((w) => [w, best(w)])) as Record<Way, [number, number]>;
  const connections = Object.fromEntries(WAYS.map((w) => [w, found[w][1]])) as Record<Way, number>;
  return { copyAudit: found.copyAudit[0], auditOnly: found.auditOnly[0], coalesced: found.coalesced[0], engine: found.engine[0], stepwise: found.stepwise[0], connections };
}
