import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

// Frozen with migration 0009 (append-only): what each attempt of a task reported it spent (issue 15, agents as
// tools: `gantry-usage {...}` lines on the tool's standard output, added up per attempt).

const T = 'task_attempt_usage';

const UP: readonly string[] = [
  `CREATE TABLE ${T} (
    task_id text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    attempt integer NOT NULL CONSTRAINT ${T}_attempt_positive CHECK (attempt >= 1),
    run_id text NOT NULL,
    workstream_id text NOT NULL,
    tool text NOT NULL,
    input_tokens bigint NOT NULL CONSTRAINT ${T}_input_tokens_non_negative CHECK (input_tokens >= 0),
    output_tokens bigint NOT NULL CONSTRAINT ${T}_output_tokens_non_negative CHECK (output_tokens >= 0),
    cost_usd double precision NOT NULL CONSTRAINT ${T}_cost_non_negative CHECK (cost_usd >= 0),
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (task_id, attempt)
  )`,
  `CREATE INDEX ${T}_run_id_idx ON ${T} (run_id)`,
];

/**
 * Migration 0009: `task_attempt_usage` — one row per task attempt that reported usage (task id, attempt number from
 * 1), with its run, workstream and tool (the task's breaker key) and the tokens and cost it reported in all.
 */
export const migration0009AttemptUsage: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const s of UP) await sql.raw(s).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw(`DROP TABLE ${T}`).execute(db);
  },
};
