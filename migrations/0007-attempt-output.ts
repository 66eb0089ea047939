import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

// Frozen with migration 0007 (append-only): what each attempt of a task printed (issue 13, `gantry logs`). Gates keep
// their output in their own row (test_gates.stdout/stderr); a task has one row per attempt here.

const T = 'task_attempt_outputs';

const UP: readonly string[] = [
  `CREATE TABLE ${T} (
    task_id text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    attempt integer NOT NULL CONSTRAINT ${T}_attempt_positive CHECK (attempt >= 1),
    run_id text,
    exit_code integer,
    stdout text NOT NULL,
    stderr text NOT NULL,
    stdout_truncated boolean NOT NULL,
    stderr_truncated boolean NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (task_id, attempt)
  )`,
  `CREATE INDEX ${T}_run_id_idx ON ${T} (run_id)`,
];

/**
 * Migration 0007: `task_attempt_outputs` — one row per task attempt (task id, attempt number from 1) with its exit
 * code, its standard output and error as captured (capped per stream, truncation marked) and when it was recorded.
 */
export const migration0007AttemptOutput: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const s of UP) await sql.raw(s).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw(`DROP TABLE ${T}`).execute(db);
  },
};
