import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { entityTable } from './entity-tables.js';
import { chunk } from './sql-values.js';

/** What an audit chain's end is checked against: an entity row's version, state and last hash. */
export interface EntityHead {
  readonly version: number;
  readonly state: string;
  readonly lastHash: string | null;
}

/**
 * The heads of entity rows of several types by id, one query per type and 10,000 ids (no snapshot is read or
 * parsed: `audit verify` checks every chain's end against them); a key without a row gives undefined.
 */
export async function loadEntityHeads(db: Kysely<Database>, keys: readonly { readonly entityType: string; readonly id: string }[]): Promise<(entityType: string, id: string) => EntityHead | undefined> {
  const byType = new Map<string, string[]>();
  for (const k of keys) {
    const ids = byType.get(k.entityType);
    if (ids) ids.push(k.id);
    else byType.set(k.entityType, [k.id]);
  }
  const found = new Map<string, Map<string, EntityHead>>();
  for (const [type, ids] of byType) {
    const info = entityTable(type);
    const heads = new Map<string, EntityHead>();
    for (const part of chunk([...new Set(ids)], 10_000)) {
      const { rows } = await sql<{ id: string; version: number; state: string; last_hash: string | null }>`
        SELECT id, version, state, last_hash FROM ${sql.table(info.table)}
        WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(part)}::jsonb))`.execute(db);
      for (const r of rows) heads.set(String(r.id), { version: Number(r.version), state: r.state, lastHash: r.last_hash });
    }
    found.set(info.entityType, heads);
  }
  return (entityType, id) => found.get(entityTable(entityType).entityType)?.get(id);
}
