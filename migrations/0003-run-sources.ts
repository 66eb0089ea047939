import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

// Frozen with migration 0003 (append-only): what each run was started from, in the database, so that
// `gantry resume` and `gantry worker` processes (possibly on another machine) find the plan without the
// engine's state directory (docs/design/engine.md §1, docs/design/plan.md `gantry worker`).

const UP: readonly string[] = [
  `CREATE TABLE run_sources (
    run_id text PRIMARY KEY CONSTRAINT run_sources_run_id_format CHECK (run_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    plan jsonb NOT NULL CONSTRAINT run_sources_plan_is_object CHECK (jsonb_typeof(plan) = 'object'),
    plan_file text,
    state_dir text NOT NULL,
    engine_host text NOT NULL,
    engine_pid integer,
    engine_heartbeat_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  // docs/design/engine.md §7.1: live views learn of new transitions from any process by LISTEN gantry_transitions. One
  // notification per INSERT statement (the group committer writes a whole round in one), delivered on commit;
  // the payload names the schema (several may share a database), the newest audit id and the runs touched.
  `CREATE FUNCTION state_transitions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gantry_transitions', json_build_object(
    'schema', current_schema(),
    'max_id', (SELECT max(id) FROM new_rows),
    'count', (SELECT count(*) FROM new_rows),
    'run_ids', (SELECT coalesce(json_agg(r), '[]'::json) FROM (SELECT DISTINCT run_id AS r FROM new_rows WHERE run_id IS NOT NULL LIMIT 20) x)
  )::text);
  RETURN NULL;
END
$$`,
  `CREATE TRIGGER state_transitions_notify AFTER INSERT ON state_transitions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION state_transitions_notify()`,
];

/**
 * Migration 0003: `run_sources` — per run the validated plan (JSON), the plan file and the engine's state directory
 * (worktrees live under it), and the engine's host, pid and last heartbeat (workers only join a live engine's run); and the `gantry_transitions` NOTIFY after every audit INSERT statement.
 */
export const migration0003RunSources: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const s of UP) await sql.raw(s).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('DROP TRIGGER state_transitions_notify ON state_transitions').execute(db);
    await sql.raw('DROP FUNCTION state_transitions_notify()').execute(db);
    await sql.raw('DROP TABLE run_sources').execute(db);
  },
};
