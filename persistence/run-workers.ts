import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * The ids of run `runId`'s orchestration workers (the engine's and those of `gantry worker` processes) whose state is
 * one of `states`, by id.
 */
export async function runWorkers(db: Kysely<Database>, runId: string, states: readonly string[]): Promise<string[]> {
  if (states.length === 0) return [];
  const rows = await db.selectFrom('workers').select(['id']).where('run_id', '=', runId).where('state', 'in', [...states]).orderBy('id').execute();
  return rows.map((r) => r.id);
}
