import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

// Frozen with migration 0011 (append-only): issue 16, workers on other hosts (`run.remote`). The engine names the
// commit each attempt starts from; a remote worker hands its diff back in `patches`, with the base it was made on.

const T = 'task_attempt_bases';

const UP: readonly string[] = [
  `CREATE TABLE ${T} (
    task_id text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    attempt integer NOT NULL CONSTRAINT ${T}_attempt_positive CHECK (attempt >= 1),
    run_id text NOT NULL,
    base_commit text NOT NULL CONSTRAINT ${T}_base_commit_format CHECK (base_commit ~ '^[0-9a-f]{40,64}$'),
    publish_error text,
    handed_back_by text,
    handed_back_at timestamptz,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (task_id, attempt),
    CONSTRAINT ${T}_handed_back_together CHECK ((handed_back_by IS NULL) = (handed_back_at IS NULL))
  )`,
  `CREATE INDEX ${T}_run_id_idx ON ${T} (run_id)`,
  `ALTER TABLE patches ADD COLUMN base_commit text CONSTRAINT patches_base_commit_format CHECK (base_commit ~ '^[0-9a-f]{40,64}$')`,
];

/**
 * Migration 0011: `task_attempt_bases` — per task attempt of a run with `run.remote`, the commit the engine named as
 * its start (pushed on the workstream's integration branch), or why it could not publish it; the worker that handed
 * the attempt's result back and when. `patches.base_commit`: the commit a handed-back diff was made against.
 */
export const migration0011RemoteAttempts: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const s of UP) await sql.raw(s).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('ALTER TABLE patches DROP COLUMN base_commit').execute(db);
    await sql.raw(`DROP TABLE ${T}`).execute(db);
  },
};
