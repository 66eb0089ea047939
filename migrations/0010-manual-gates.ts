import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

// Frozen with migration 0010 (append-only): gate type MANUAL (issue 15, EXT-6), a gate that runs no command and is
// decided by one of its approvers (`gantry approve` / `gantry reject`). Only the type's CHECK changes: an approval
// records the expected exit code and a rejection another one, so every other constraint of `test_gates` holds as it is.

const T = 'test_gates';
const C = `${T}_gate_type_valid`;

/** Migration 0010: `test_gates.gate_type` also takes `MANUAL`. */
export const migration0010ManualGates: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql.raw(`ALTER TABLE ${T} DROP CONSTRAINT ${C}`).execute(db);
    await sql.raw(`ALTER TABLE ${T} ADD CONSTRAINT ${C} CHECK (gate_type IN ('LINT', 'UNIT', 'INTEGRATION', 'SECURITY', 'MANUAL'))`).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw(`ALTER TABLE ${T} DROP CONSTRAINT ${C}`).execute(db);
    await sql.raw(`ALTER TABLE ${T} ADD CONSTRAINT ${C} CHECK (gate_type IN ('LINT', 'UNIT', 'INTEGRATION', 'SECURITY'))`).execute(db);
  },
};
