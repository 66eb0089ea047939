import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import { entityTable } from './entity-tables.js';
import { toEntityRecord, type EntityRecord } from './entity-record.js';
import { chunk } from './sql-values.js';

/** One entity by type and id, or null when there is none. */
export async function loadEntity(db: Kysely<Database>, entityType: string, id: string): Promise<EntityRecord | null> {
  const info = entityTable(entityType);
  const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(info.table)} WHERE id = ${id}`.execute(db);
  return rows[0] ? toEntityRecord(info, rows[0]) : null;
}

/** Several entities of one type by id; ids without a row are absent from the map. */
export async function loadEntities(db: Kysely<Database>, entityType: string, ids: readonly string[]): Promise<Map<string, EntityRecord>> {
  const info = entityTable(entityType);
  const out = new Map<string, EntityRecord>();
  for (const part of chunk([...new Set(ids)], 10_000)) {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT * FROM ${sql.table(info.table)}
      WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(part)}::jsonb))`.execute(db);
    for (const r of rows) {
      const rec = toEntityRecord(info, r);
      out.set(rec.id, rec);
    }
  }
  return out;
}

/** Entities of any types, one query per type: a lookup by (type, id) that answers undefined for a missing row. */
export async function loadEntitiesOfTypes(db: Kysely<Database>, keys: readonly { readonly entityType: string; readonly id: string }[]): Promise<(entityType: string, id: string) => EntityRecord | undefined> {
  const byType = new Map<string, string[]>();
  for (const k of keys) byType.set(k.entityType, [...(byType.get(k.entityType) ?? []), k.id]);
  const found = new Map<string, Map<string, EntityRecord>>();
  for (const [type, ids] of byType) found.set(type, await loadEntities(db, type, ids));
  return (entityType, id) => found.get(entityType)?.get(id);
}

/** Every entity of one type, in id order, read in pages of `pageSize` (for audit verification and replay). */
export async function* scanEntities(db: Kysely<Database>, entityType: string, pageSize = 1000): AsyncGenerator<EntityRecord> {
  const info = entityTable(entityType);
  let after: string | null = null;
  for (;;) {
    const where: RawBuilder<unknown> = after === null ? sql`TRUE` : sql`id > ${after}`;
    const page: { rows: Record<string, unknown>[] } = await sql<Record<string, unknown>>`
      SELECT * FROM ${sql.table(info.table)} WHERE ${where} ORDER BY id LIMIT ${pageSize}`.execute(db);
    const rows = page.rows;
    for (const r of rows) yield toEntityRecord(info, r);
    if (rows.length < pageSize) return;
    after = String(rows[rows.length - 1]!['id']);
  }
}

/**
 * Entities of one type whose snapshot was persisted under another machine version than `currentVersion`, in id order,
 * in pages of `pageSize` (default 500): what `gantry db migrate-snapshots` migrates.
 */
export async function* staleEntityPages(db: Kysely<Database>, entityType: string, currentVersion: string, pageSize = 500): AsyncGenerator<EntityRecord[]> {
  const info = entityTable(entityType);
  let after: string | null = null;
  for (;;) {
    const where: RawBuilder<unknown> = after === null ? sql`TRUE` : sql`id > ${after}`;
    const page: { rows: Record<string, unknown>[] } = await sql<Record<string, unknown>>`
      SELECT * FROM ${sql.table(info.table)} WHERE machine_version <> ${currentVersion} AND ${where} ORDER BY id LIMIT ${pageSize}`.execute(db);
    if (page.rows.length > 0) yield page.rows.map((r) => toEntityRecord(info, r));
    if (page.rows.length < pageSize) return;
    after = String(page.rows[page.rows.length - 1]!['id']);
  }
}
