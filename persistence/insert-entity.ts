import { CompiledQuery, type Kysely } from 'kysely';
import { auditRow, type CreationAudit, type TransitionAudit } from './audit-record.js';
import type { Database } from './database.js';
import { entityTable, PERSISTED_ENTITY_TYPES, type EntityTableInfo, type SqlColumnType } from './entity-tables.js';
import { toEntityRecord, type EntityRecord } from './entity-record.js';
import { EntityExistsError } from './errors.js';
import { inTransaction } from './in-transaction.js';
import { mapDbError, sqlState } from './map-db-error.js';
import { PREPARED_MARK } from './prepared-statements.js';
import { chunk, encodeColumns, encodeValue, toIso } from './sql-values.js';

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
  /** Encoded values: the table columns given (jsonb as JSON text, times as ISO text), then the managed ones. */
  readonly row: Record<string, unknown>;
  /** The table columns given, sorted, joined by commas: rows of one signature share a statement. */
  readonly signature: string;
}

/** Entities per statement: the row source is one array parameter per column, so this only bounds its size. */
const ROWS_PER_STATEMENT = 5000;

function prepare(item: NewEntity, index: number): Prepared {
  const info = entityTable(item.entityType);
  const at = toIso(item.audit.transitionedAt);
  const then = item.then;
  const last = then?.transitions[then.transitions.length - 1];
  const columns = encodeColumns(info, then ? { ...item.columns, ...then.columns } : item.columns);
  const row = {
    ...columns,
    id: item.id,
    state: then ? then.state : item.state,
    snapshot: JSON.stringify(then ? then.snapshot : item.snapshot),
    version: 1 + (then?.transitions.length ?? 0),
    machine_version: then ? then.machineVersion : item.machineVersion,
    last_hash: last ? last.hash : item.audit.hash,
    created_at: at,
    updated_at: last ? toIso(last.transitionedAt) : at,
  };
  return { index, info, item, row, signature: Object.keys(columns).join(',') };
}

/** The managed columns of an entity row in INSERT order, with their types. */
const MANAGED_TYPES: readonly (readonly [string, SqlColumnType])[] = [
  ['id', 'text'], ['state', 'text'], ['snapshot', 'jsonb'], ['version', 'integer'], ['machine_version', 'text'],
  ['last_hash', 'text'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'],
];

/** The audit columns in INSERT order, with their types. */
const AUDIT_TYPES: readonly (readonly [string, SqlColumnType])[] = [
  ['event_id', 'text'], ['entity_type', 'text'], ['entity_id', 'text'], ['seq', 'integer'], ['from_state', 'text'],
  ['to_state', 'text'], ['trigger', 'text'], ['reason', 'text'], ['metadata', 'jsonb'], ['operator', 'text'],
  ['run_id', 'text'], ['workstream_id', 'text'], ['phase_id', 'text'], ['severity', 'text'],
  ['transitioned_at', 'timestamptz'], ['prev_hash', 'text'], ['hash', 'text'],
];

/** Statement texts by table and signature (a handful in use). */
const statements = new Map<string, string>();
const MAX_CACHED = 200;

/** `unnest($k::type[], …) AS alias (names)`, parameters from `first`. */
function unnestSource(columns: readonly (readonly [string, SqlColumnType])[], first: number, alias: string): string {
  const arrays = columns.map(([, type], k) => `$${first + k}::${type}[]`).join(', ');
  return `unnest(${arrays}) AS ${alias} (${columns.map(([n]) => `"${n}"`).join(', ')})`;
}

/** The text of a part's statement: its entity rows and their audit rows from one array parameter per column. */
function insertStatement(info: EntityTableInfo, signature: string): string {
  const key = `${info.entityType}:${signature}`;
  const cached = statements.get(key);
  if (cached !== undefined) return cached;
  const columns = [...(signature === '' ? [] : signature.split(',')).map((c): readonly [string, SqlColumnType] => [c, info.columns[c]!]), ...MANAGED_TYPES];
  const names = columns.map(([n]) => `"${n}"`).join(', ');
  const audit = AUDIT_TYPES.map(([n]) => `"${n}"`).join(', ');
  const text = `${PREPARED_MARK}WITH e AS (INSERT INTO "${info.table}" (${names}) SELECT ${names} FROM ${unnestSource(columns, 1, 'v')} RETURNING *),
a AS (INSERT INTO state_transitions (${audit}) SELECT ${audit} FROM ${unnestSource(AUDIT_TYPES, columns.length + 1, 'w')})
SELECT * FROM e`;
  if (statements.size < MAX_CACHED) statements.set(key, text);
  return text;
}

/**
 * ONE statement inserting `part` (entities of one table and signature) and their creation audit rows (and those of
 * their `then` transitions), each row source one array parameter per column: the text depends only on the table and
 * the columns given, so connections keep it prepared. An id that exists already fails the whole statement (unique
 * violation of the primary key: {@link existingId} names it), so the statement writes all or nothing even outside a
 * transaction. Returns the inserted entity rows.
 */
async function insertPart(db: Kysely<any>, info: EntityTableInfo, part: readonly Prepared[]): Promise<Record<string, unknown>[]> {
  const signature = part[0]!.signature;
  const names = [...(signature === '' ? [] : signature.split(',')), ...MANAGED_TYPES.map(([n]) => n)];
  const audits = part.flatMap((p) => [
    auditRow(info.entityType, p.item.id, 1, p.item.state, p.item.audit),
    ...(p.item.then?.transitions ?? []).map((t, k) => auditRow(info.entityType, p.item.id, 2 + k, t.toState, t)),
  ]);
  const params = [
    // The entity rows are encoded already (prepare); the audit rows are encoded here, per column type.
    ...names.map((n) => part.map((p) => p.row[n] ?? null)),
    ...AUDIT_TYPES.map(([n, type]) => audits.map((a) => encodeValue(type, a[n]))),
  ];
  const { rows } = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(insertStatement(info, signature), params));
  return rows;
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

/** The statements of a creation: per table (in foreign-key order) and signature (in order of appearance) its entities in chunks. */
function partsOf(prepared: readonly Prepared[]): { info: EntityTableInfo; part: Prepared[] }[] {
  const out: { info: EntityTableInfo; part: Prepared[] }[] = [];
  // Table order follows foreign keys (runs before workstreams before tasks …).
  for (const type of PERSISTED_ENTITY_TYPES) {
    const bySignature = new Map<string, Prepared[]>();
    for (const p of prepared) {
      if (p.info.entityType !== type) continue;
      const group = bySignature.get(p.signature);
      if (group) group.push(p);
      else bySignature.set(p.signature, [p]);
    }
    for (const group of bySignature.values()) for (const part of chunk(group, ROWS_PER_STATEMENT)) out.push({ info: group[0]!.info, part });
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
