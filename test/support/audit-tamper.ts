import { sql } from 'kysely';
import type { TestDatabase } from './test-database.js';

/**
 * Runs SQL as someone with write access to the database would, the append-only triggers disabled
 * (`session_replication_role = replica`): the tampering an attacker could do.
 */
export async function tamper(tdb: TestDatabase, statement: ReturnType<typeof sql>): Promise<void> {
  await tdb.db.connection().execute(async (conn) => {
    await sql`SET session_replication_role = replica`.execute(conn);
    try {
      await statement.execute(conn);
    } finally {
      await sql`SET session_replication_role = DEFAULT`.execute(conn);
    }
  });
}
