import { sql, type Kysely } from 'kysely';
import { MIGRATION_TABLE } from './migrate.js';

/**
 * True when the connection's schema (its `search_path`) holds Gantry's tables, i.e. its migration table exists
 * (`gantry db migrate` or any command that creates state made it); reads only, creates nothing.
 */
export async function gantrySchemaPresent(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`select to_regclass(${MIGRATION_TABLE}) is not null as present`.execute(db);
  return rows[0]?.present === true;
}
