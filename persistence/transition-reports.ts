import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';

/** How often an entity type went from one state to another by one trigger, and when last. */
export interface TransitionCount {
  readonly entityType: string;
  readonly fromState: string | null;
  readonly toState: string;
  readonly trigger: string;
  readonly count: number;
  readonly last: Date;
}

/** An override transition as the audit recorded it. */
export interface OverrideTransition {
  readonly entityType: string;
  readonly entityId: string;
  readonly action: string;
  readonly fromState: string | null;
  readonly toState: string;
  readonly operator: string | null;
  readonly reason: string | null;
  readonly at: Date;
}

/**
 * The query of {@link transitionCounts}. The states go into the text as literals (they are the machines' state
 * names), so the planner can prove that migration 0008's partial index of failure transitions covers them.
 */
export function transitionCountsQuery(since: Date, toStates: readonly string[], limit: number): RawBuilder<TransitionCountRow> {
  return sql<TransitionCountRow>`
    SELECT entity_type, from_state, to_state, trigger, count(*)::int AS n, max(transitioned_at) AS last
    FROM state_transitions WHERE transitioned_at >= ${since.toISOString()}::timestamptz
      AND to_state IN (${sql.join(toStates.map((s) => sql.lit(s)))})
    GROUP BY entity_type, from_state, to_state, trigger ORDER BY n DESC, entity_type, to_state LIMIT ${limit}`;
}

/** A row of {@link transitionCountsQuery}. */
export interface TransitionCountRow {
  readonly entity_type: string;
  readonly from_state: string | null;
  readonly to_state: string;
  readonly trigger: string;
  readonly n: number;
  readonly last: Date | string;
}

/**
 * The audit's transitions into one of `toStates` since `since`, counted by entity type, from-state, to-state and
 * trigger, most frequent first (at most `limit`): the failure patterns of SSOT §7.3.2 given the failure states.
 */
export async function transitionCounts(db: Kysely<Database>, since: Date, toStates: readonly string[], limit: number): Promise<TransitionCount[]> {
  if (toStates.length === 0) return [];
  const { rows } = await transitionCountsQuery(since, toStates, limit).execute(db);
  return rows.map((r) => ({ entityType: r.entity_type, fromState: r.from_state, toState: r.to_state, trigger: r.trigger, count: r.n, last: new Date(r.last) }));
}

/** The audit's manual overrides (an operator, override or manual metadata) since `since`, newest first. */
export async function overrideTransitions(db: Kysely<Database>, since: Date): Promise<OverrideTransition[]> {
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
