import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { entityTable } from './entity-tables.js';

/**
 * One audit row as `audit verify`'s hash check reads it: every hashed field, with the metadata as the JSON text the
 * database holds (what the driver would parse; the check parses it where it hashes, possibly on another thread).
 */
export interface AuditHashRow {
  readonly eventId: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly seq: number;
  readonly fromState: string | null;
  readonly toState: string;
  readonly trigger: string;
  readonly reason: string | null;
  readonly metadataText: string;
  readonly operator: string | null;
  readonly runId: string | null;
  readonly workstreamId: string | null;
  readonly phaseId: string | null;
  readonly severity: string;
  readonly transitionedAt: Date;
  readonly prevHash: string | null;
  readonly hash: string;
}

/** Options of {@link readAuditPages}. */
export interface ReadAuditPagesOptions {
  /** Rows per page (keyset pages); default 1000. */
  readonly pageSize?: number;
  /** Only this entity type. */
  readonly entityType?: string;
}

type Row = {
  event_id: string; entity_type: string; entity_id: string; seq: number; from_state: string | null; to_state: string; trigger: string;
  reason: string | null; metadata_text: string; operator: string | null; run_id: string | null; workstream_id: string | null;
  phase_id: string | null; severity: string; transitioned_at: Date | string; prev_hash: string | null; hash: string;
};

const toHashRow = (r: Row): AuditHashRow => ({
  eventId: r.event_id, entityType: r.entity_type, entityId: r.entity_id, seq: Number(r.seq), fromState: r.from_state, toState: r.to_state,
  trigger: r.trigger, reason: r.reason, metadataText: r.metadata_text, operator: r.operator, runId: r.run_id, workstreamId: r.workstream_id,
  phaseId: r.phase_id, severity: r.severity, transitionedAt: r.transitioned_at instanceof Date ? r.transitioned_at : new Date(r.transitioned_at),
  prevHash: r.prev_hash, hash: r.hash,
});

/**
 * Every audit row in (entity_type, entity_id, seq) order — each entity's chain contiguous — as pages of
 * {@link AuditHashRow}, for the hash check of `audit verify`. The next page is asked for as soon as one arrives, so
 * the database reads it while the caller checks this one.
 */
export async function* readAuditPages(db: Kysely<Database>, opts: ReadAuditPagesOptions = {}): AsyncGenerator<readonly AuditHashRow[]> {
  const pageSize = opts.pageSize ?? 1000;
  const only = opts.entityType === undefined ? null : entityTable(opts.entityType).entityType;
  const page = (after: AuditHashRow | null) => {
    const conds = [only === null ? sql`TRUE` : sql`entity_type = ${only}`];
    if (after) conds.push(sql`(entity_type, entity_id, seq) > (${after.entityType}, ${after.entityId}, ${after.seq}::integer)`);
    return sql<Row>`
      SELECT event_id, entity_type, entity_id, seq, from_state, to_state, trigger, reason, metadata::text AS metadata_text,
        operator, run_id, workstream_id, phase_id, severity, transitioned_at, prev_hash, hash
      FROM state_transitions WHERE ${sql.join(conds, sql` AND `)}
      ORDER BY entity_type, entity_id, seq LIMIT ${pageSize}`.execute(db);
  };
  // A failure of the page asked for ahead is held until that page is awaited (never left unhandled meanwhile).
  type Outcome = { readonly rows: Row[] } | { readonly error: unknown };
  const fetchPage = (after: AuditHashRow | null): Promise<Outcome> => page(after).then((r) => ({ rows: r.rows }), (error: unknown) => ({ error }));
  const rowsOf = (o: Outcome): Row[] => {
    if ('error' in o) throw o.error;
    return o.rows;
  };
  let pending: Promise<Outcome> | null = fetchPage(null);
  try {
    while (pending !== null) {
      const rows: AuditHashRow[] = rowsOf(await pending).map(toHashRow);
      pending = rows.length < pageSize ? null : fetchPage(rows[rows.length - 1]!);
      yield rows;
    }
  } finally {
    // A caller that stopped early: the page in flight settles before its connection or snapshot is released.
    if (pending !== null) rowsOf(await pending);
  }
}
