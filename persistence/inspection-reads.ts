import { sql, type Kysely, type RawBuilder } from 'kysely';
import { toAuditRecord, type AuditRecord } from './audit-record.js';
import type { Database } from './database.js';
import { ENTITY_TABLES, PERSISTED_ENTITY_TYPES } from './entity-tables.js';

/** One entity in the tree: its current state and its parent links. */
export interface InspectedEntity {
  readonly entity_type: string;
  readonly id: string;
  readonly state: string;
  readonly version: number;
  readonly updated_at: string;
  readonly run_id: string | null;
  readonly workstream_id: string | null;
  readonly task_id: string | null;
}

const LINKS = ['run_id', 'workstream_id', 'task_id'] as const;

/** The rows of a run: the run's own audit rows and every row tagged with its run_id. */
function runFilter(runId: string): RawBuilder<unknown> {
  return sql`(run_id = ${runId} OR (entity_type = 'run' AND entity_id = ${runId}))`;
}

/** Read-only queries of the inspection page (visualizer/), each bounded by a LIMIT. */
/** A run at one step of its audit: the row, how many entities were in each state, and each entity's state. */
export interface RunStep {
  readonly transition: AuditRecord | null;
  readonly counts: { entity_type: string; state: string; n: number }[];
  readonly states: { entity_type: string; id: string; state: string }[];
}

export class InspectionReads {
  constructor(private readonly db: Kysely<Database>) {}

  /** Entity count per type and the newest audit row id (0 when there is none). */
  async status(): Promise<{ counts: Record<string, number>; lastId: number }> {
    const counts: Record<string, number> = {};
    for (const type of PERSISTED_ENTITY_TYPES) {
      const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(ENTITY_TABLES[type].table)}`.execute(this.db);
      counts[type] = Number(rows[0]?.n ?? 0);
    }
    const { rows } = await sql<{ last: string | null }>`SELECT max(id) AS last FROM state_transitions`.execute(this.db);
    return { counts, lastId: Number(rows[0]?.last ?? 0) };
  }

  /** Up to `limit` entities of each type (in id order) with their state and parent links. */
  async entities(limit: number): Promise<InspectedEntity[]> {
    const out: InspectedEntity[] = [];
    for (const type of PERSISTED_ENTITY_TYPES) {
      const info = ENTITY_TABLES[type];
      const links = LINKS.filter((c) => c in info.columns);
      const cols = [sql.ref('id'), sql.ref('state'), sql.ref('version'), sql.ref('updated_at'), ...links.map((c) => sql.ref(c))];
      const { rows } = await sql<Record<string, unknown>>`
        SELECT ${sql.join(cols)} FROM ${sql.table(info.table)} ORDER BY id LIMIT ${limit}`.execute(this.db);
      for (const r of rows) {
        const at = r['updated_at'];
        const link = (c: string): string | null => (r[c] as string | null | undefined) ?? null;
        out.push({
          entity_type: type, id: String(r['id']), state: String(r['state']), version: Number(r['version']),
          updated_at: (at instanceof Date ? at : new Date(String(at))).toISOString(),
          run_id: link('run_id'), workstream_id: link('workstream_id'), task_id: link('task_id'),
        });
      }
    }
    return out;
  }

  /** One entity's state and newest hash, or null. */
  async entity(type: string, id: string): Promise<{ state: string; lastHash: string | null; version: number } | null> {
    const info = ENTITY_TABLES[type as keyof typeof ENTITY_TABLES];
    const { rows } = await sql<{ state: string; last_hash: string | null; version: number }>`
      SELECT state, last_hash, version FROM ${sql.table(info.table)} WHERE id = ${id}`.execute(this.db);
    const r = rows[0];
    return r ? { state: r.state, lastHash: r.last_hash, version: Number(r.version) } : null;
  }

  /** One page of an entity's audit rows with seq > `after` (plus the row at `after`, for the chain link). */
  async history(type: string, id: string, after: number, limit: number): Promise<{ before: AuditRecord | null; rows: AuditRecord[] }> {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT * FROM state_transitions WHERE entity_type = ${type} AND entity_id = ${id} AND seq >= ${after}::integer
      ORDER BY seq LIMIT ${limit + 1}`.execute(this.db);
    const records = rows.map(toAuditRecord);
    const before = records[0] && records[0].seq === after ? records.shift()! : null;
    return { before, rows: records.slice(0, limit) };
  }

  /** A run's audit rows with id > `after`, in id order, at most `limit`. */
  async runTransitions(runId: string, after: number, limit: number): Promise<AuditRecord[]> {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT * FROM state_transitions WHERE ${runFilter(runId)} AND id > ${after}::bigint ORDER BY id LIMIT ${limit}`.execute(this.db);
    return rows.map(toAuditRecord);
  }

  /** How many audit rows a run has. */
  async runCount(runId: string): Promise<number> {
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM state_transitions WHERE ${runFilter(runId)}`.execute(this.db);
    return Number(rows[0]?.n ?? 0);
  }

  /** The run entity `type` `id` belongs to (its `run_id`), or null (an unknown type, no such column, or none). */
  async runOf(type: string, id: string): Promise<string | null> {
    const info = ENTITY_TABLES[type as keyof typeof ENTITY_TABLES];
    if (!info || !('run_id' in info.columns)) return null;
    const { rows } = await sql<{ run_id: string | null }>`SELECT run_id FROM ${sql.table(info.table)} WHERE id = ${id}`.execute(this.db);
    return rows[0]?.run_id ?? null;
  }

  /**
   * The run as it stood after its `step`-th audit row (1-based): that row, each of the run's entities' state then, and
   * how many were in each state — the latest row per entity picked in SQL (one DISTINCT ON, one row per entity), so a
   * 100k-row run never comes into memory whole.
   */
  async runStep(runId: string, step: number): Promise<RunStep> {
    const at = await sql<Record<string, unknown>>`
      SELECT * FROM state_transitions WHERE ${runFilter(runId)} ORDER BY id OFFSET ${step - 1} LIMIT 1`.execute(this.db);
    const row = at.rows[0];
    if (!row) return { transition: null, counts: [], states: [] };
    const transition = toAuditRecord(row);
    const { rows } = await sql<{ entity_type: string; entity_id: string; state: string }>`
      SELECT DISTINCT ON (entity_type, entity_id) entity_type, entity_id, to_state AS state FROM state_transitions
      WHERE ${runFilter(runId)} AND id <= ${transition.id}::bigint ORDER BY entity_type, entity_id, id DESC`.execute(this.db);
    const counts = new Map<string, { entity_type: string; state: string; n: number }>();
    for (const r of rows) {
      const k = `${r.entity_type}\u0000${r.state}`;
      counts.set(k, { entity_type: r.entity_type, state: r.state, n: (counts.get(k)?.n ?? 0) + 1 });
    }
    const byName = (a: { entity_type: string; state: string }, b: { entity_type: string; state: string }): number =>
      a.entity_type < b.entity_type ? -1 : a.entity_type > b.entity_type ? 1 : a.state < b.state ? -1 : a.state > b.state ? 1 : 0;
    return { transition, counts: [...counts.values()].sort(byName), states: rows.map((r) => ({ entity_type: r.entity_type, id: r.entity_id, state: r.state })) };
  }

  /** Audit rows with id > `after`, oldest first, at most `limit` (the live feed). */
  async changes(after: number, limit: number): Promise<AuditRecord[]> {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT * FROM state_transitions WHERE id > ${after}::bigint ORDER BY id LIMIT ${limit}`.execute(this.db);
    return rows.map(toAuditRecord);
  }
}
