import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';
import { sqlState } from './map-db-error.js';

/** SQLSTATEs after which re-running the whole transaction is safe: deadlock and serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Runs `fn` in a transaction: inside the caller's when `db` already is one, else in a new one that
 * is re-run (up to `retries` times) when PostgreSQL aborts it for a deadlock or serialization failure.
 */
export async function inTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>, retries = 3): Promise<T> {
  if (db.isTransaction) return fn(db);
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute((trx: Transaction<Database>) => fn(trx));
    } catch (error) {
      if (attempt >= retries || !RETRYABLE.has(sqlState(error) ?? '')) throw error;
    }
  }
}
