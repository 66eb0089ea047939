import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

// Frozen with migration 0005 (append-only): every entity row names its run's phase, and breakers their run, so that
// each audit row and JSONL line carries the context of SSOT §7.1 (`run_id`, `workstream_id`, `phase_id`).

const PHASED = ['workstreams', 'tasks', 'workers', 'uet_workers', 'patch_ledger_entries', 'test_gates', 'circuit_breakers'] as const;

const UP: readonly string[] = [
  ...PHASED.map((t) => `ALTER TABLE ${t} ADD COLUMN phase_id text REFERENCES phases (id)`),
  'ALTER TABLE circuit_breakers ADD COLUMN run_id text REFERENCES runs (id)',
  'CREATE INDEX circuit_breakers_run_id_idx ON circuit_breakers (run_id)',
];

/** Migration 0004: a `phase_id` link on every entity table but `runs` (which has one), and `run_id` on `circuit_breakers`. */
export const migration0005PhaseLinks: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const s of UP) await sql.raw(s).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('ALTER TABLE circuit_breakers DROP COLUMN run_id').execute(db);
    for (const t of PHASED) await sql.raw(`ALTER TABLE ${t} DROP COLUMN phase_id`).execute(db);
  },
};
