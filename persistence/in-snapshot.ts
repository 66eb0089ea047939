import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * Runs `fn` in one read-only REPEATABLE READ transaction (a single snapshot: rows committed meanwhile by a running
 * engine are not seen, so the entity rows and their chains agree), or inside the caller's transaction when `db` is one.
 */
export async function inSnapshot<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute(async (trx) => {
    await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`.execute(trx);
    return fn(trx);
  });
}
