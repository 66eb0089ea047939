import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';
import { sqlState } from './map-db-error.js';

/** SQLSTATEs after which re-running the whole transaction is safe: deadlock and serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);

/** Options of {@link inTransaction}. */
export interface InTransactionOptions {
  /** Re-runs after a deadlock or serialization failure; default 3. */
  readonly retries?: number;
  /**
   * `fn` issues exactly one statement, which PostgreSQL runs atomically on its own: skip BEGIN/COMMIT
   * (two round trips) and run it on the pool, with the same re-runs.
   */
  readonly singleStatement?: boolean;
}

/**
 * Runs `fn` in a transaction: inside the caller's when `db` already is one, else in a new one that
 * is re-run (up to `retries` times) when PostgreSQL aborts it for a deadlock or serialization failure.
 */
export async function inTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>, opts: InTransactionOptions = {}): Promise<T> {
  if (db.isTransaction) return fn(db);
  const retries = opts.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      if (opts.singleStatement) return await fn(db);
      return await db.transaction().execute((trx: Transaction<Database>) => fn(trx));
    } catch (error) {
      if (attempt >= retries || !RETRYABLE.has(sqlState(error) ?? '')) throw error;
    }
  }
}
