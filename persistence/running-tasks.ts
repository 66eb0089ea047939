import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** A task of a run in `running`: the worker that claimed it and the version the claim left. */
export interface RunningTask {
  readonly id: string;
  readonly workerId: string | null;
  readonly version: number;
}

/** The tasks of run `runId` in state `running`, by id (what the worker watchdog checks for lost workers). */
export async function runningTasks(db: Kysely<Database>, runId: string): Promise<RunningTask[]> {
  const rows = await db.selectFrom('tasks').select(['id', 'worker_id', 'version']).where('run_id', '=', runId).where('state', '=', 'running').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, workerId: r.worker_id, version: Number(r.version) }));
}
