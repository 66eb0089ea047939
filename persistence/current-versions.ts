import { sql, type Kysely } from 'kysely';
import type { EntityTableInfo } from './entity-tables.js';

/** The current version of each of `ids` that has a row in the entity's table (after a failed guarded update). */
export async function currentVersions(db: Kysely<any>, info: EntityTableInfo, ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await sql<{ id: string; version: number }>`
    SELECT id, version FROM ${sql.table(info.table)}
    WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`.execute(db);
  return new Map(rows.map((r) => [String(r.id), Number(r.version)]));
}
