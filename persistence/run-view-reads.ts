import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { ENTITY_TABLES, PERSISTED_ENTITY_TYPES } from './entity-tables.js';

/** One run in the runs list: its state, its times and how many of its tasks are in each state. */
export interface WireRunSummary {
  readonly id: string;
  readonly state: string;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly completed_at: string | null;
  /** Task state → count. */
  readonly tasks: Readonly<Record<string, number>>;
}

/** One entity of a run as the run view draws it: its current state, its parent links and its dependencies. */
export interface RunViewEntityRow {
  readonly entity_type: string;
  readonly id: string;
  readonly state: string;
  readonly version: number;
  readonly workstream_id: string | null;
  readonly task_id: string | null;
  /** Ids this entity depends on (`depends_on`), empty for types without the column. */
  readonly depends_on: readonly string[];
  /** A task's `retry_count`, else null. */
  readonly retries: number | null;
}

/** A state change of a run's entity (in-state updates left out): the rows timelines are built from. */
export interface StateChangeRow {
  readonly entity_type: string;
  readonly entity_id: string;
  readonly from: string | null;
  readonly to: string;
  readonly trigger: string;
  readonly time: number;
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());

const jsonList = (v: unknown): string[] => {
  const parsed = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
};

/** Read-only queries of the inspection page's run view (runs list, a run's entities and state changes), each bounded by a LIMIT. */
export class RunViewReads {
  constructor(private readonly db: Kysely<Database>) {}

  /** The newest `limit` runs, newest first, with their task counts per state. */
  async runs(limit: number): Promise<WireRunSummary[]> {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT id, state, created_at, started_at, completed_at FROM runs ORDER BY created_at DESC, id LIMIT ${limit}`.execute(this.db);
    const ids = rows.map((r) => String(r['id']));
    const tasks = new Map<string, Record<string, number>>(ids.map((id) => [id, {}]));
    if (ids.length) {
      const counts = await sql<{ run_id: string; state: string; n: string }>`
        SELECT run_id, state, count(*) AS n FROM tasks WHERE run_id IN (${sql.join(ids)}) GROUP BY run_id, state`.execute(this.db);
      for (const c of counts.rows) tasks.get(c.run_id)![c.state] = Number(c.n);
    }
    return rows.map((r) => ({
      id: String(r['id']), state: String(r['state']), created_at: iso(r['created_at'])!, started_at: iso(r['started_at']),
      completed_at: iso(r['completed_at']), tasks: tasks.get(String(r['id']))!,
    }));
  }

  /** The run's own row, or null. */
  async run(runId: string): Promise<{ id: string; state: string; version: number } | null> {
    const { rows } = await sql<{ id: string; state: string; version: number }>`SELECT id, state, version FROM runs WHERE id = ${runId}`.execute(this.db);
    const r = rows[0];
    return r ? { id: r.id, state: r.state, version: Number(r.version) } : null;
  }

  /** Every entity linked to the run (at most `limit` per type), in id order. */
  async entities(runId: string, limit: number): Promise<RunViewEntityRow[]> {
    const out: RunViewEntityRow[] = [];
    for (const type of PERSISTED_ENTITY_TYPES) {
      const info = ENTITY_TABLES[type];
      if (!('run_id' in info.columns)) continue;
      const has = (c: string): boolean => c in info.columns;
      const cols = [
        sql`id`, sql`state`, sql`version`,
        has('workstream_id') ? sql`workstream_id` : sql`NULL AS workstream_id`,
        has('task_id') ? sql`task_id` : sql`NULL AS task_id`,
        has('depends_on') ? sql`depends_on` : sql`NULL AS depends_on`,
        has('retry_count') ? sql`retry_count` : sql`NULL AS retry_count`,
      ];
      const { rows } = await sql<Record<string, unknown>>`
        SELECT ${sql.join(cols)} FROM ${sql.table(info.table)} WHERE run_id = ${runId} ORDER BY id LIMIT ${limit}`.execute(this.db);
      for (const r of rows) {
        out.push({
          entity_type: type, id: String(r['id']), state: String(r['state']), version: Number(r['version']),
          workstream_id: (r['workstream_id'] as string | null) ?? null, task_id: (r['task_id'] as string | null) ?? null,
          depends_on: jsonList(r['depends_on']), retries: r['retry_count'] === null ? null : Number(r['retry_count']),
        });
      }
    }
    return out;
  }

  /** The run's state changes (in-state updates left out) in commit order, at most `limit`. */
  async stateChanges(runId: string, limit: number): Promise<StateChangeRow[]> {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT entity_type, entity_id, from_state, to_state, trigger, transitioned_at FROM state_transitions
      WHERE (run_id = ${runId} OR (entity_type = 'run' AND entity_id = ${runId})) AND (from_state IS NULL OR from_state <> to_state)
      ORDER BY id LIMIT ${limit}`.execute(this.db);
    return rows.map((r) => ({
      entity_type: String(r['entity_type']), entity_id: String(r['entity_id']), from: (r['from_state'] as string | null) ?? null,
      to: String(r['to_state']), trigger: String(r['trigger']), time: Date.parse(iso(r['transitioned_at'])!),
    }));
  }
}
