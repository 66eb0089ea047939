import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** One audit row as the metrics count it: the transition, whether an operator forced it, and the time in the state left. */
export interface AuditMetricRow {
  /** The bigserial id, as text. */
  readonly id: string;
  readonly entity_type: string;
  readonly from_state: string | null;
  readonly to_state: string;
  readonly trigger: string;
  readonly operator: string | null;
  /** `metadata.override` or `metadata.manual`: a forced state or an operator's playbook transition. */
  readonly override: boolean;
  /** Seconds since the entity's previous audit row; null for its first. */
  readonly seconds: number | null;
}

/** Up to `limit` audit rows with an id above `after`, by id, as the metrics count them (`ops/gantry-metrics.ts`). */
export async function auditMetricRows(db: Kysely<Database>, after: bigint, limit: number): Promise<AuditMetricRow[]> {
  const { rows } = await sql<AuditMetricRow>`
    SELECT t.id::text AS id, t.entity_type, t.from_state, t.to_state, t.trigger, t.operator,
      (coalesce((t.metadata->>'override')::boolean, false) OR coalesce((t.metadata->>'manual')::boolean, false)) AS override,
      extract(epoch FROM t.transitioned_at - p.transitioned_at)::float8 AS seconds
    FROM state_transitions t
    LEFT JOIN state_transitions p ON p.entity_type = t.entity_type AND p.entity_id = t.entity_id AND p.seq = t.seq - 1
    WHERE t.id > ${after.toString()}::bigint ORDER BY t.id LIMIT ${limit}`.execute(db);
  return rows;
}

/** How many rows of entity table `table` are in each state (states with none are absent). */
export async function stateCounts(db: Kysely<Database>, table: string): Promise<{ state: string; n: number }[]> {
  const { rows } = await sql<{ state: string; n: number }>`SELECT state, count(*)::int AS n FROM ${sql.table(table)} GROUP BY state`.execute(db);
  return rows.map((r) => ({ state: r.state, n: Number(r.n) }));
}

/** Every circuit breaker's id and state, by id. */
export async function breakerStates(db: Kysely<Database>): Promise<{ id: string; state: string }[]> {
  return db.selectFrom('circuit_breakers').select(['id', 'state']).orderBy('id').execute();
}
