import { sql, type Kysely } from 'kysely';
import { auditRow, type CreationAudit, type TransitionAudit } from './audit-record.js';
import type { Database } from './database.js';
import { entityTable, PERSISTED_ENTITY_TYPES, type EntityTableInfo } from './entity-tables.js';
import { toEntityRecord, type EntityRecord } from './entity-record.js';
import { EntityExistsError } from './errors.js';
import { inTransaction } from './in-transaction.js';
import { mapDbError } from './map-db-error.js';
import { chunk, encodeColumns, rowsPerStatement, toIso } from './sql-values.js';
import { auditInsertSql } from './unnest-rows.js';

/** A new entity: its machine's initial state and snapshot, table columns, and the creation audit row. */
export interface NewEntity {
  readonly entityType: string;
  readonly id: string;
  readonly state: string;
  readonly snapshot: Readonly<Record<string, unknown>>;
  readonly machineVersion: string;
  /** Table columns by name (see `ENTITY_TABLES`); unknown names are rejected. */
  readonly columns?: Readonly<Record<string, unknown>>;
  readonly audit: CreationAudit;
  /** Transitions decided from the initial snapshot, written with the creation (see {@link CreatedThen}). */
  readonly then?: CreatedThen;
}

/**
 * Transitions a new entity takes at once, decided from its initial snapshot (a task created and queued): the row
 * is inserted as it stands after the last of them — its state, snapshot, columns, version 1 + their number, the
 * last hash — and each gets its audit row after the creation row, hash-chained. One row write instead of one per
 * transition; the audit is the same as creating, then sending.
 */
export interface CreatedThen {
  readonly state: string;
  readonly snapshot: Readonly<Record<string, unknown>>;
  readonly machineVersion: string;
  /** Table columns set by the transitions (over the creation's). */
  readonly columns?: Readonly<Record<string, unknown>>;
  /** The transitions in order, each with the state it led to. */
  readonly transitions: readonly (TransitionAudit & { readonly toState: string })[];
}

interface Prepared {
  readonly index: number;
  readonly info: EntityTableInfo;
  readonly item: NewEntity;
  readonly row: Record<string, unknown>;
}

function prepare(item: NewEntity, index: number): Prepared {
  const info = entityTable(item.entityType);
  const at = toIso(item.audit.transitionedAt);
  const then = item.then;
  const last = then?.transitions[then.transitions.length - 1];
  const row = {
    ...encodeColumns(info, then ? { ...item.columns, ...then.columns } : item.columns),
    id: item.id,
    state: then ? then.state : item.state,
    snapshot: JSON.stringify(then ? then.snapshot : item.snapshot),
    version: 1 + (then?.transitions.length ?? 0),
    machine_version: then ? then.machineVersion : item.machineVersion,
    last_hash: last ? last.hash : item.audit.hash,
    created_at: at,
    updated_at: last ? toIso(last.transitionedAt) : at,
  };
  return { index, info, item, row };
}

/**
 * ONE statement inserting `part` (entities of one table) and their creation audit rows: the audit rows are written
 * only when every entity row was (none already existed), so a single-entity statement writes all or nothing even
 * outside a transaction. Returns the inserted entity rows.
 */
async function insertPart(db: Kysely<any>, info: EntityTableInfo, part: readonly Prepared[]): Promise<Record<string, unknown>[]> {
  const entities = db
    .insertInto(info.table)
    .values(part.map((p) => p.row))
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll();
  const audits = part.flatMap((p) => [
    auditRow(info.entityType, p.item.id, 1, p.item.state, p.item.audit),
    ...(p.item.then?.transitions ?? []).map((t, k) => auditRow(info.entityType, p.item.id, 2 + k, t.toState, t)),
  ]);
  const result = await sql<Record<string, unknown>>`WITH e AS (${entities}),
a AS (${auditInsertSql(audits, sql`WHERE (SELECT count(*) FROM e) = ${part.length}`)})
SELECT * FROM e`.execute(db);
  return result.rows;
}

async function insertAll(db: Kysely<any>, prepared: readonly Prepared[]): Promise<EntityRecord[]> {
  const out: EntityRecord[] = new Array(prepared.length);
  // Table order follows foreign keys (runs before workstreams before tasks …).
  for (const type of PERSISTED_ENTITY_TYPES) {
    const group = prepared.filter((p) => p.info.entityType === type);
    if (group.length === 0) continue;
    const info = group[0]!.info;
    const width = Object.keys(info.columns).length + 9;
    for (const part of chunk(group, rowsPerStatement(width))) {
      const rows = await insertPart(db, info, part);
      const byId = new Map(rows.map((r) => [String(r['id']), r]));
      for (const p of part) {
        const r = byId.get(p.item.id);
        if (!r) throw new EntityExistsError(type, p.item.id);
        out[p.index] = toEntityRecord(info, r);
      }
    }
  }
  return out;
}

/**
 * Inserts entities at version 1 with their creation audit rows (seq 1, trigger `create`), all in one transaction
 * (the caller's, when `db` is one): one statement per table and chunk, entity rows and audit rows together. A
 * duplicate id → `EntityExistsError`, nothing written. A single entity outside a transaction is one statement
 * without BEGIN/COMMIT (one round trip instead of four), still all or nothing.
 */
export async function insertEntities(db: Kysely<Database>, items: readonly NewEntity[]): Promise<EntityRecord[]> {
  if (items.length === 0) return [];
  const prepared = items.map(prepare);
  const seen = new Set<string>();
  for (const p of prepared) {
    const key = `${p.info.entityType}\u0000${p.item.id}`;
    if (seen.has(key)) throw new EntityExistsError(p.info.entityType, p.item.id);
    seen.add(key);
  }
  try {
    return await inTransaction(db, (trx) => insertAll(trx as Kysely<any>, prepared), { singleStatement: prepared.length === 1 });
  } catch (error) {
    throw mapDbError(error);
  }
}

/** Inserts one entity at version 1 with its creation audit row; see {@link insertEntities}. */
export async function insertEntity(db: Kysely<Database>, item: NewEntity): Promise<EntityRecord> {
  const [record] = await insertEntities(db, [item]);
  return record!;
}
