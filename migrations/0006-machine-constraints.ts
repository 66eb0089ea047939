import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';
import { machineConstraintsDown, machineConstraintsUp } from './0006-machine-constraints-sql.js';
import { MACHINE_FACTS_0006 } from './0006-machine-facts.js';

// Frozen with migration 0006 (append-only; docs/adr/0011). The one-way presence checks of 0001 typed by hand, which
// 0006 replaces by `<column>_required_in_state` / `<column>_absent_in_state` built from the facts snapshot.
const REPLACED: Readonly<Record<string, readonly string[]>> = {
  runs: ['started_at_when_started', 'started_at_not_pending'],
  tasks: ['started_at_when_executing'],
  patch_ledger_entries: ['quarantine_reason_state'],
};

// 0001's definitions of the REPLACED checks, restored by `down`.
const RESTORED: readonly string[] = [
  `ALTER TABLE runs ADD CONSTRAINT runs_started_at_when_started CHECK (state NOT IN ('running', 'succeeded', 'failed') OR started_at IS NOT NULL)`,
  `ALTER TABLE runs ADD CONSTRAINT runs_started_at_not_pending CHECK (state <> 'pending' OR started_at IS NULL)`,
  `ALTER TABLE tasks ADD CONSTRAINT tasks_started_at_when_executing CHECK (state NOT IN ('running', 'validating') OR started_at IS NOT NULL)`,
  `ALTER TABLE patch_ledger_entries ADD CONSTRAINT patch_ledger_entries_quarantine_reason_state CHECK (quarantine_reason IS NULL OR state IN ('quarantined', 'dropped'))`,
];

async function run(db: Kysely<any>, statements: readonly string[]): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

/**
 * Migration 0006: the CHECK constraints of every state set, presence-in-state rule, entity id and reason length,
 * rebuilt from a snapshot of the machines' facts (machines/db-constraints.ts), and the triggers of the SSOT's
 * immutability rules: a terminal row never changes (§8.2), `is_critical` is fixed at creation (§1.4.5 inv. 8), an
 * affinity is fixed once the worker left its initial state (§1.5.7, §2.1), `state_history` only grows (§2.2.5); the
 * audit log's rows name states of their entity's machine.
 */
export const migration0006MachineConstraints: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await run(db, machineConstraintsUp(MACHINE_FACTS_0006, REPLACED));
  },
  async down(db: Kysely<any>): Promise<void> {
    await run(db, [...machineConstraintsDown(MACHINE_FACTS_0006), ...RESTORED]);
  },
};
