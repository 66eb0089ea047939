import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** The tasks of workstream `workstreamId` with their states, by id. */
export async function workstreamTaskStates(db: Kysely<Database>, workstreamId: string): Promise<{ id: string; state: string }[]> {
  return db.selectFrom('tasks').select(['id', 'state']).where('workstream_id', '=', workstreamId).orderBy('id').execute();
}
