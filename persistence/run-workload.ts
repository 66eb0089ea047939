import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** A run's queued tasks against the workers that could take them (see {@link runWorkload}). */
export interface RunWorkload {
  /** Tasks of the run in `queued`: assigned, waiting to be claimed. */
  readonly queued: number;
  /** Orchestration workers of the run in `idle` or `busy` whose last heartbeat is at or after the cut-off. */
  readonly liveWorkers: number;
}

/**
 * Counts a run's queued tasks and its live workers (state `idle` or `busy`, heartbeat at or after `freshSince`), in
 * one statement: what the engine checks to say that tasks wait for `gantry worker` processes and none has joined.
 */
export async function runWorkload(db: Kysely<Database>, runId: string, freshSince: Date): Promise<RunWorkload> {
  const { rows } = await sql<{ queued: number; live: number }>`
    select (select count(*)::int from tasks where run_id = ${runId} and state = 'queued') as queued,
           (select count(*)::int from workers where run_id = ${runId} and state in ('idle', 'busy') and last_heartbeat >= ${freshSince}) as live`.execute(db);
  const r = rows[0]!;
  return { queued: Number(r.queued), liveWorkers: Number(r.live) };
}
