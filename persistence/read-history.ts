import { sql, type Kysely } from 'kysely';
import { toAuditRecord, type AuditRecord } from './audit-record.js';
import type { Database } from './database.js';
import { entityTable } from './entity-tables.js';
import { pagesAhead } from './pages-ahead.js';

/** The audit trail of one entity, oldest first (ordered by seq). */
export async function readHistory(db: Kysely<Database>, entityType: string, id: string): Promise<AuditRecord[]> {
  const type = entityTable(entityType).entityType;
  const { rows } = await sql<Record<string, unknown>>`
    SELECT * FROM state_transitions WHERE entity_type = ${type} AND entity_id = ${id} ORDER BY seq`.execute(db);
  return rows.map(toAuditRecord);
}

/** Options of {@link readAllChains}. */
export interface ReadAllChainsOptions {
  /** Rows per query (keyset pages); default 1000. */
  readonly pageSize?: number;
  /** Only this entity type. */
  readonly entityType?: string;
}

/**
 * Every audit row, grouped by entity and ordered by seq within it — (entity_type, entity_id, seq)
 * order, so each entity's chain arrives contiguous — read in keyset pages, for `audit verify`.
 */
export async function* readAllChains(db: Kysely<Database>, opts: ReadAllChainsOptions = {}): AsyncGenerator<AuditRecord> {
  const pageSize = opts.pageSize ?? 1000;
  const only = opts.entityType === undefined ? null : entityTable(opts.entityType).entityType;
  const page = (after: AuditRecord | null) => {
    const conds = [only === null ? sql`TRUE` : sql`entity_type = ${only}`];
    if (after) conds.push(sql`(entity_type, entity_id, seq) > (${after.entityType}, ${after.entityId}, ${after.seq}::integer)`);
    return sql<Record<string, unknown>>`
      SELECT * FROM state_transitions WHERE ${sql.join(conds, sql` AND `)}
      ORDER BY entity_type, entity_id, seq LIMIT ${pageSize}`.execute(db);
  };
  for await (const rows of pagesAhead(async (after: AuditRecord | null) => (await page(after)).rows.map(toAuditRecord), pageSize)) yield* rows;
}
