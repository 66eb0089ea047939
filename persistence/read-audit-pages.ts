import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { entityTable } from './entity-tables.js';
import { pagesAhead } from './pages-ahead.js';

/**
 * One audit row as `audit verify`'s hash check reads it, as the driver returns it (no copy per row): the fields its
 * links are checked on, and the rest of the hashed fields as ONE JSON array built by the database, parsed only where
 * the hash is recomputed (possibly on another thread) — `[event_id, trigger, reason, operator, run_id, workstream_id,
 * phase_id, severity, transitioned_ms, metadata]`, the time as whole epoch milliseconds (what the driver's Date would
 * hold; null for an infinite time), the metadata as stored.
 */
export interface AuditHashRow {
  readonly entity_type: string;
  readonly entity_id: string;
  readonly seq: number;
  readonly from_state: string | null;
  readonly to_state: string;
  readonly prev_hash: string | null;
  readonly hash: string;
  /** JSON text of the other hashed fields, in the order above. */
  readonly rest: string;
}

/** Options of {@link readAuditPages}. */
export interface ReadAuditPagesOptions {
  /** Rows per page (keyset pages); default 1000. */
  readonly pageSize?: number;
  /** Only this entity type. */
  readonly entityType?: string;
}

/**
 * Every audit row in (entity_type, entity_id, seq) order — each entity's chain contiguous — as pages of
 * {@link AuditHashRow}, for the hash check of `audit verify`, read one page ahead ({@link pagesAhead}).
 */
export async function* readAuditPages(db: Kysely<Database>, opts: ReadAuditPagesOptions = {}): AsyncGenerator<readonly AuditHashRow[]> {
  const pageSize = opts.pageSize ?? 1000;
  const only = opts.entityType === undefined ? null : entityTable(opts.entityType).entityType;
  const page = (after: AuditHashRow | null) => {
    const conds = [only === null ? sql`TRUE` : sql`entity_type = ${only}`];
    if (after) conds.push(sql`(entity_type, entity_id, seq) > (${after.entity_type}, ${after.entity_id}, ${after.seq}::integer)`);
    return sql<AuditHashRow>`
      SELECT entity_type, entity_id, seq, from_state, to_state, prev_hash, hash,
        json_build_array(event_id, trigger, reason, operator, run_id, workstream_id, phase_id, severity,
          CASE WHEN isfinite(transitioned_at) THEN floor(extract(epoch FROM transitioned_at) * 1000)::bigint END, metadata)::text AS rest
      FROM state_transitions WHERE ${sql.join(conds, sql` AND `)}
      ORDER BY entity_type, entity_id, seq LIMIT ${pageSize}`.execute(db);
  };
  yield* pagesAhead(async (after) => (await page(after)).rows, pageSize);
}
