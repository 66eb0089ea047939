import { sql, type Kysely } from 'kysely';
import { entityStates } from '../machines/index.js';
import type { Database } from '../persistence/index.js';

/** One failure pattern: how often an entity type went from one state to a failure state by one trigger. */
export interface FailurePattern {
  readonly entityType: string;
  readonly fromState: string | null;
  readonly toState: string;
  readonly trigger: string;
  readonly count: number;
  readonly last: Date;
}

/** One manual override as the audit recorded it. */
export interface OverrideRow {
  readonly entityType: string;
  readonly entityId: string;
  readonly action: string;
  readonly fromState: string | null;
  readonly toState: string;
  readonly operator: string | null;
  readonly reason: string | null;
  readonly at: Date;
}

/** States counted as failures in reports: the states the machine definitions tag `FAILURE_TAG` (machines/entity-states.ts). */
export const FAILURE_STATES: readonly string[] = entityStates.failureNames;

/** The most common transitions into failure states since `since` (SSOT §7.3.2), most frequent first. */
export async function failurePatterns(db: Kysely<Database>, since: Date, limit = 50): Promise<FailurePattern[]> {
  const { rows } = await sql<{ entity_type: string; from_state: string | null; to_state: string; trigger: string; n: number; last: Date | string }>`
    SELECT entity_type, from_state, to_state, trigger, count(*)::int AS n, max(transitioned_at) AS last
    FROM state_transitions WHERE transitioned_at >= ${since.toISOString()}::timestamptz
      AND to_state IN (${sql.join([...FAILURE_STATES])})
    GROUP BY entity_type, from_state, to_state, trigger ORDER BY n DESC, entity_type, to_state LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ entityType: r.entity_type, fromState: r.from_state, toState: r.to_state, trigger: r.trigger, count: r.n, last: new Date(r.last) }));
}

/** Manual overrides since `since` (SSOT §7.3.2: the last day by default), newest first. */
export async function recentOverrides(db: Kysely<Database>, since: Date): Promise<OverrideRow[]> {
  const { rows } = await sql<Record<string, unknown>>`
    SELECT entity_type, entity_id, metadata->>'action' AS action, from_state, to_state, operator, reason, transitioned_at
    FROM state_transitions WHERE transitioned_at >= ${since.toISOString()}::timestamptz AND operator IS NOT NULL
      AND (metadata->>'override' = 'true' OR metadata->>'manual' = 'true')
    ORDER BY transitioned_at DESC, id DESC`.execute(db);
  return rows.map((r) => ({
    entityType: String(r['entity_type']),
    entityId: String(r['entity_id']),
    action: String(r['action']),
    fromState: (r['from_state'] as string | null) ?? null,
    toState: String(r['to_state']),
    operator: (r['operator'] as string | null) ?? null,
    reason: (r['reason'] as string | null) ?? null,
    at: new Date(r['transitioned_at'] as string),
  }));
}
