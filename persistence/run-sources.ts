import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** What a run was started from (migration 0003): the engine and `gantry worker` processes read it from the database. */
export interface RunSourceRecord {
  readonly runId: string;
  /** The normalized plan as JSON (plan/ `Plan`; the engine types it again with `recordedPlan`). */
  readonly plan: object;
  /** Absolute path of the plan file, or null when the plan came from elsewhere (a library call). */
  readonly planFile: string | null;
  /** Absolute state directory of the engine: worktrees live under `<stateDir>/worktrees/<run>/<ws>`. */
  readonly stateDir: string;
  readonly engineHost: string;
  readonly enginePid: number | null;
  /** When the engine last said it is alive (null: never). */
  readonly engineHeartbeatAt: Date | null;
}


/** The stored plan column as a JSON value (PGlite may hand jsonb back as text); anything else is kept for the caller to refuse. */
function planJson(value: unknown): object {
  const v: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return typeof v === 'object' && v !== null ? v : { value: v };
}

function toRecord(r: { run_id: string; plan: unknown; plan_file: string | null; state_dir: string; engine_host: string; engine_pid: number | null; engine_heartbeat_at: Date | null }): RunSourceRecord {
  return {
    runId: r.run_id,
    plan: planJson(r.plan),
    planFile: r.plan_file,
    stateDir: r.state_dir,
    engineHost: r.engine_host,
    enginePid: r.engine_pid,
    engineHeartbeatAt: r.engine_heartbeat_at,
  };
}

/** Records (or, on resume, replaces) a run's source, keeping a recorded plan file when none is given; the engine heartbeat is set to `now`. */
export async function upsertRunSource(db: Kysely<Database>, s: Omit<RunSourceRecord, 'engineHeartbeatAt'>, now: Date): Promise<void> {
  const values = {
    run_id: s.runId,
    plan: JSON.stringify(s.plan),
    plan_file: s.planFile,
    state_dir: s.stateDir,
    engine_host: s.engineHost,
    engine_pid: s.enginePid,
    engine_heartbeat_at: now,
  };
  await db
    .insertInto('run_sources')
    .values(values)
    .onConflict((oc) => oc.column('run_id').doUpdateSet({ plan: values.plan, plan_file: sql<string | null>`coalesce(excluded.plan_file, run_sources.plan_file)`, state_dir: values.state_dir, engine_host: values.engine_host, engine_pid: values.engine_pid, engine_heartbeat_at: now }))
    .execute();
}

/** A run's source, or null when the run has none recorded (started before migration 0003, or by a library call). */
export async function getRunSource(db: Kysely<Database>, runId: string): Promise<RunSourceRecord | null> {
  const r = await db.selectFrom('run_sources').selectAll().where('run_id', '=', runId).executeTakeFirst();
  return r ? toRecord(r) : null;
}

/** Marks the run's engine alive at `now`; `now: null` marks it stopped (the run stays resumable). */
export async function touchRunEngine(db: Kysely<Database>, runId: string, now: Date | null): Promise<void> {
  await db.updateTable('run_sources').set({ engine_heartbeat_at: now }).where('run_id', '=', runId).execute();
}

/**
 * The sources of runs a `gantry worker` may join: the run is `running` and its engine said it was alive within
 * `freshMs` of `now` (a worker never joins a run whose engine is gone: nobody would validate its tasks).
 */
export async function liveRunSources(db: Kysely<Database>, now: Date, freshMs: number): Promise<RunSourceRecord[]> {
  const rows = await db
    .selectFrom('run_sources')
    .innerJoin('runs', 'runs.id', 'run_sources.run_id')
    .selectAll('run_sources')
    .where('runs.state', '=', 'running')
    .where('run_sources.engine_heartbeat_at', '>=', new Date(now.getTime() - freshMs))
    .orderBy('run_sources.created_at')
    .execute();
  return rows.map(toRecord);
}

