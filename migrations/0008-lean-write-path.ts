import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';
import { MACHINE_FACTS_0006 } from './0006-machine-facts.js';
import { sqlList } from './0001-init-parts.js';

// Frozen with migration 0008 (append-only; issue 14, docs/adr/0012-lean-write-path.md): the write path keeps every
// guarantee in the cheapest form that serves it, chosen from `npx tsx bench/schema-costs.bench.ts` (bench/README.md).

const AUDIT = 'state_transitions';

/**
 * The failure states of the machines when 0008 was written (machines/entity-states.ts `failureNames`). The
 * failure-report query (SSOT §7.3.2) lists them as literals, so the planner proves it may use the partial index;
 * should the machines grow another failure state, the query stays right and reads the BRIN index instead.
 */
export const FAILURE_STATES_0008: readonly string[] = ['failed', 'unresponsive', 'apply_failed', 'rolled_back', 'quarantined', 'FAILED', 'OPEN'];

/** `OLD.c IS DISTINCT FROM NEW.c OR …`: true exactly when one of `columns` changes. */
const changed = (columns: readonly string[]): string => columns.map((c) => `OLD.${c} IS DISTINCT FROM NEW.${c}`).join(' OR ');
const args = (columns: readonly string[]): string => columns.map((c) => `'${c}'`).join(', ');

/**
 * 0006's row triggers ran PL/pgSQL on every UPDATE (and turned the whole row into JSON per column). The same checks
 * now sit in each trigger's WHEN clause, which PostgreSQL evaluates without calling the function: the function only
 * runs, and raises its named error, when a fixed or append-only column actually changed.
 */
function guardedTriggers(): string[] {
  const out: string[] = [];
  for (const t of MACHINE_FACTS_0006.tables) {
    const T = t.table;
    if (t.fixedAtCreation.length > 0) {
      out.push(
        `DROP TRIGGER ${T}_fixed_at_creation ON ${T}`,
        `CREATE TRIGGER ${T}_fixed_at_creation BEFORE UPDATE ON ${T} FOR EACH ROW WHEN (${changed(t.fixedAtCreation)}) ` +
          `EXECUTE FUNCTION gantry_fixed_columns(${args(t.fixedAtCreation)})`,
      );
    }
    if (t.fixedAfterInitial.length > 0) {
      out.push(
        `DROP TRIGGER ${T}_fixed_after_initial ON ${T}`,
        `CREATE TRIGGER ${T}_fixed_after_initial BEFORE UPDATE ON ${T} FOR EACH ROW WHEN (OLD.state <> '${t.initial}' AND (${changed(t.fixedAfterInitial)})) ` +
          `EXECUTE FUNCTION gantry_fixed_columns(${args(t.fixedAfterInitial)})`,
      );
    }
    if (t.appendOnly.length > 0) {
      out.push(
        `DROP TRIGGER ${T}_append_only_columns ON ${T}`,
        `CREATE TRIGGER ${T}_append_only_columns BEFORE UPDATE ON ${T} FOR EACH ROW WHEN (${changed(t.appendOnly)}) ` +
          `EXECUTE FUNCTION gantry_growing_arrays(${args(t.appendOnly)})`,
      );
    }
  }
  return out;
}

/** 0006's unguarded triggers, for `down`. */
function plainTriggers(): string[] {
  const out: string[] = [];
  for (const t of MACHINE_FACTS_0006.tables) {
    const T = t.table;
    if (t.fixedAtCreation.length > 0) {
      out.push(`DROP TRIGGER ${T}_fixed_at_creation ON ${T}`, `CREATE TRIGGER ${T}_fixed_at_creation BEFORE UPDATE ON ${T} FOR EACH ROW EXECUTE FUNCTION gantry_fixed_columns(${args(t.fixedAtCreation)})`);
    }
    if (t.fixedAfterInitial.length > 0) {
      out.push(
        `DROP TRIGGER ${T}_fixed_after_initial ON ${T}`,
        `CREATE TRIGGER ${T}_fixed_after_initial BEFORE UPDATE ON ${T} FOR EACH ROW WHEN (OLD.state <> '${t.initial}') EXECUTE FUNCTION gantry_fixed_columns(${args(t.fixedAfterInitial)})`,
      );
    }
    if (t.appendOnly.length > 0) {
      out.push(`DROP TRIGGER ${T}_append_only_columns ON ${T}`, `CREATE TRIGGER ${T}_append_only_columns BEFORE UPDATE ON ${T} FOR EACH ROW EXECUTE FUNCTION gantry_growing_arrays(${args(t.appendOnly)})`);
    }
  }
  return out;
}

/** Statements of migration 0008's `up` (and, for bench/schema-costs.bench.ts's comparison, its `down`). */
export const leanWritePathUp: readonly string[] = [
  // No query reads the audit by workstream: the index only cost every row its upkeep.
  `DROP INDEX ${AUDIT}_workstream_id_idx`,
  // SSOT §7.3.2's failure report: the few failure rows by time, instead of every row by (entity_type, to_state).
  `DROP INDEX ${AUDIT}_to_state_idx`,
  `CREATE INDEX ${AUDIT}_failures_idx ON ${AUDIT} (transitioned_at) WHERE to_state IN ${sqlList(FAILURE_STATES_0008)}`,
  // Rows arrive in time order: a BRIN index answers "since" ranges for a fraction of a B-tree's upkeep.
  `DROP INDEX ${AUDIT}_transitioned_at_idx`,
  `CREATE INDEX ${AUDIT}_transitioned_at_brin ON ${AUDIT} USING brin (transitioned_at)`,
  ...guardedTriggers(),
];

/** Statements of migration 0008's `down`: 0007's indexes and unguarded triggers back. */
export const leanWritePathDown: readonly string[] = [
  ...plainTriggers(),
  `DROP INDEX ${AUDIT}_transitioned_at_brin`,
  `CREATE INDEX ${AUDIT}_transitioned_at_idx ON ${AUDIT} (transitioned_at)`,
  `DROP INDEX ${AUDIT}_failures_idx`,
  `CREATE INDEX ${AUDIT}_to_state_idx ON ${AUDIT} (entity_type, to_state)`,
  `CREATE INDEX ${AUDIT}_workstream_id_idx ON ${AUDIT} (workstream_id) WHERE workstream_id IS NOT NULL`,
];

/**
 * Migration 0008 (issue 14): a leaner write path with the same guarantees — row triggers guarded by WHEN clauses
 * (no PL/pgSQL call unless a fixed or append-only column changes), a BRIN index for the audit's time ranges, a
 * partial index of failure transitions for the failure report, and no index that no query reads.
 */
export const migration0008LeanWritePath: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const s of leanWritePathUp) await sql.raw(s).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    for (const s of leanWritePathDown) await sql.raw(s).execute(db);
  },
};
