import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** Whether the database holds run `runId`. */
export async function runExists(db: Kysely<Database>, runId: string): Promise<boolean> {
  return (await db.selectFrom('runs').select('id').where('id', '=', runId).executeTakeFirst()) !== undefined;
}
