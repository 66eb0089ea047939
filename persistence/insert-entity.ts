import { sql, type Kysely } from 'kysely';
import { auditRow, type CreationAudit, type TransitionAudit } from './audit-record.js';
import type { Database } from './database.js';
import { entityTable, PERSISTED_ENTITY_TYPES, type EntityTableInfo } from './entity-tables.js';
import { toEntityRecord, type EntityRecord } from './entity-record.js';
import { EntityExistsError } from './errors.js';
import { inTransaction } from './in-transaction.js';
import { mapDbError, sqlState } from './map-db-error.js';
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
 * ONE statement inserting `part` (entities of one table) and their creation audit rows. An id that exists already
 * fails the whole statement (unique violation of the primary key: {@link existingId} names it), so the statement
 * writes all or nothing even outside a transaction. Returns the inserted entity rows.
 */
async function insertPart(db: Kysely<any>, info: EntityTableInfo, part: readonly Prepared[]): Promise<Record<string, unknown>[]> {
  const entities = db.insertInto(info.table).values(part.map((p) => p.row)).returningAll();
  const audits = part.flatMap((p) => [
    auditRow(info.entityType, p.item.id, 1, p.item.state, p.item.audit),
    ...(p.item.then?.transitions ?? []).map((t, k) => auditRow(info.entityType, p.item.id, 2 + k, t.toState, t)),
  ]);
  const result = await sql<Record<string, unknown>>`WITH e AS (${entities}),
a AS (${auditInsertSql(audits)})
SELECT * FROM e`.execute(db);
  return result.rows;
}

/**
 * The id a unique violation of an entity table's primary key names (`Key (id)=(<id>) already exists.`), or null when
 * the error is another one.
 */
function existingId(error: unknown): { table: string; id: string } | null {
  if (sqlState(error) !== '23505') return null;
  const e = error as { constraint?: string; table?: string; detail?: string };
  if (!e.table || e.constraint !== `${e.table}_pkey`) return null;
  const id = /^Key \(id\)=\((.*)\) already exists\.$/s.exec(e.detail ?? '')?.[1];
  return id === undefined ? null : { table: e.table, id };
}

/** The statements of a creation: per table (in foreign-key order) its entities in chunks. */
function partsOf(prepared: readonly Prepared[]): { info: EntityTableInfo; part: Prepared[] }[] {
  const out: { info: EntityTableInfo; part: Prepared[] }[] = [];
  // Table order follows foreign keys (runs before workstreams before tasks …).
  for (const type of PERSISTED_ENTITY_TYPES) {
    const group = prepared.filter((p) => p.info.entityType === type);
    if (group.length === 0) continue;
    const info = group[0]!.info;
    const width = Object.keys(info.columns).length + 9;
    for (const part of chunk(group, rowsPerStatement(width))) out.push({ info, part });
  }
  return out;
}

async function insertAll(db: Kysely<any>, parts: readonly { info: EntityTableInfo; part: readonly Prepared[] }[], total: number): Promise<EntityRecord[]> {
  const out: EntityRecord[] = new Array(total);
  for (const { info, part } of parts) {
    const rows = await insertPart(db, info, part);
    const byId = new Map(rows.map((r) => [String(r['id']), r]));
    for (const p of part) out[p.index] = toEntityRecord(info, byId.get(p.item.id)!);
  }
  return out;
}

/**
 * Inserts entities at version 1 with their creation audit rows (seq 1, trigger `create`), all in one transaction
 * (the caller's, when `db` is one): one statement per table and chunk, entity rows and audit rows together. A
 * duplicate id → `EntityExistsError` naming it, nothing written. A creation that fits one statement (entities of one
 * table, up to a statement's rows) outside a transaction is that statement alone, without BEGIN/COMMIT (one round
 * trip instead of three), still all or nothing.
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
  const parts = partsOf(prepared);
  try {
    return await inTransaction(db, (trx) => insertAll(trx as Kysely<any>, parts, prepared.length), { singleStatement: parts.length === 1 });
  } catch (error) {
    const existing = existingId(error);
    const type = existing && prepared.find((p) => p.info.table === existing.table)?.info.entityType;
    if (existing && type) throw new EntityExistsError(type, existing.id, { cause: error });
    throw mapDbError(error);
  }
}

/** Inserts one entity at version 1 with its creation audit row; see {@link insertEntities}. */
export async function insertEntity(db: Kysely<Database>, item: NewEntity): Promise<EntityRecord> {
  const [record] = await insertEntities(db, [item]);
  return record!;
}
