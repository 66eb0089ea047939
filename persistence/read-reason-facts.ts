import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { entityTable } from './entity-tables.js';
import { EntityNotFoundError } from './errors.js';
import { mapDbError } from './map-db-error.js';

/** The audit row by which an entity entered its current state, with what explains it (see `readReasonFacts`). */
export interface ReasonFact {
  readonly entityType: string;
  readonly entityId: string;
  readonly workstreamId: string | null;
  readonly fromState: string | null;
  readonly toState: string;
  readonly trigger: string;
  readonly reason: string | null;
  readonly operator: string | null;
  readonly severity: string;
  /** The event as the audit kept it (`metadata.event`), or null. */
  readonly event: Readonly<Record<string, unknown>> | null;
}

/** The end of a finished gate's output (its last `tailChars` characters per stream) and its exit code. */
export interface GateOutputTail {
  readonly id: string;
  readonly exitCode: number | null;
  readonly stdoutTail: string;
  readonly stderrTail: string;
}

/** What explains the states of a run's entities: one {@link ReasonFact} per entity, and the output tails of its gates that ran and did not pass. */
export interface RunReasonFacts {
  readonly facts: readonly ReasonFact[];
  readonly gateOutputs: readonly GateOutputTail[];
}

const asObject = (v: unknown): Record<string, unknown> | null => {
  if (typeof v === 'string') {
    try {
      return asObject(JSON.parse(v));
    } catch {
      return null;
    }
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
};

/**
 * For every entity of run `runId` (the run itself included), the latest audit row that changed its state — the
 * transition into the state it is in now, whose trigger, reason, operator, severity and event explain it — and, for
 * its gates that ran and ended with another exit code than they expect, the tail of their recorded output
 * (`tailChars` characters per stream, default 2000). In-state updates (heartbeats, counters) are skipped; transitions
 * by a trigger of `selfEdges` (edges from a state to itself; default none) are kept.
 */
export async function readReasonFacts(db: Kysely<Database>, runId: string, tailChars = 2000, selfEdges: readonly string[] = []): Promise<RunReasonFacts> {
  try {
    // Self-edges (`selfEdges`: triggers of edges that stay in their state, e.g. a conflict round) count as changes too.
    const self = selfEdges.length === 0 ? sql`FALSE` : sql`trigger IN (${sql.join(selfEdges.map((t) => sql`${t}`))})`;
    const { rows } = await sql<Record<string, unknown>>`
      SELECT DISTINCT ON (entity_type, entity_id)
        entity_type, entity_id, workstream_id, from_state, to_state, trigger, reason, operator, severity, metadata -> 'event' AS event
      FROM state_transitions
      WHERE (run_id = ${runId} OR (entity_type = 'run' AND entity_id = ${runId}))
        AND (from_state IS NULL OR from_state <> to_state OR ${self})
      ORDER BY entity_type, entity_id, seq DESC`.execute(db);
    const gates = await sql<{ id: string; exit_code: number | null; stdout_tail: string | null; stderr_tail: string | null }>`
      SELECT id, exit_code, right(stdout, ${tailChars}::integer) AS stdout_tail, right(stderr, ${tailChars}::integer) AS stderr_tail
      FROM test_gates WHERE run_id = ${runId} AND exit_code IS NOT NULL AND exit_code <> expected_exit`.execute(db);
    return {
      facts: rows.map((r) => ({
        entityType: r['entity_type'] as string,
        entityId: r['entity_id'] as string,
        workstreamId: (r['workstream_id'] as string | null) ?? null,
        fromState: (r['from_state'] as string | null) ?? null,
        toState: r['to_state'] as string,
        trigger: r['trigger'] as string,
        reason: (r['reason'] as string | null) ?? null,
        operator: (r['operator'] as string | null) ?? null,
        severity: r['severity'] as string,
        event: asObject(r['event']),
      })),
      gateOutputs: gates.rows.map((g) => ({ id: g.id, exitCode: g.exit_code, stdoutTail: g.stdout_tail ?? '', stderrTail: g.stderr_tail ?? '' })),
    };
  } catch (err) {
    throw mapDbError(err);
  }
}

/**
 * The run entity `entityType` `id` belongs to (its row's `run_id`; a run is its own), or null when it has none.
 * `EntityNotFoundError` when it does not exist; `UnknownEntityTableError` for an unknown type.
 */
export async function runOfEntity(db: Kysely<Database>, entityType: string, id: string): Promise<string | null> {
  const info = entityTable(entityType);
  let rows: { run_id: string | null }[];
  try {
    const col = info.entityType === 'run' ? sql`id` : sql`run_id`;
    rows = (await sql<{ run_id: string | null }>`SELECT ${col} AS run_id FROM ${sql.table(info.table)} WHERE id = ${id}`.execute(db)).rows;
  } catch (err) {
    throw mapDbError(err);
  }
  if (rows.length === 0) throw new EntityNotFoundError(info.entityType, id);
  return rows[0]!.run_id;
}
