import { sql, type Kysely } from 'kysely';
import type { TransitionAudit } from './audit-record.js';
import type { Database } from './database.js';
import { entityTable, PERSISTED_ENTITY_TYPES, type EntityTableInfo } from './entity-tables.js';
import { BatchOrderError, EntityNotFoundError, OptimisticLockError } from './errors.js';
import { inTransaction } from './in-transaction.js';
import { mapDbError } from './map-db-error.js';
import { checkColumns, chunk } from './sql-values.js';
import { writeRound, type RoundItem } from './write-round.js';

/** One transition to persist: the row moves from `expectedVersion` to `expectedVersion + 1`. */
export interface TransitionItem {
  readonly entityType: string;
  readonly id: string;
  /** The version the new snapshot was computed from. */
  readonly expectedVersion: number;
  /** The state after the transition (`to_state`). */
  readonly state: string;
  readonly snapshot: Readonly<Record<string, unknown>>;
  readonly machineVersion: string;
  /** Table columns to set, by name (see `ENTITY_TABLES`); columns not named keep their value. */
  readonly columns?: Readonly<Record<string, unknown>>;
  readonly audit: TransitionAudit;
}

/** Outcome of one item: its new version, or the version found instead (null: no such entity). */
export type CommitResult = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly actualVersion: number | null };

/** Rows per statement: large enough to amortise the round trip, small enough to bound one statement's memory. */
const ROWS_PER_STATEMENT = 5000;

interface Planned extends RoundItem {
  /** Position among this batch's items of the same entity (0 for the first). */
  readonly round: number;
  readonly previous: number | null;
}

/** Validates the batch and orders items of one entity into rounds (v, v+1, …); returns the rounds. */
function plan(items: readonly TransitionItem[]): Planned[][] {
  const last = new Map<string, Planned>();
  const rounds: Planned[][] = [];
  items.forEach((item, index) => {
    const info = entityTable(item.entityType);
    const names = checkColumns(info, item.columns);
    const key = `${info.entityType}\u0000${item.id}`;
    const prev = last.get(key);
    if (prev && item.expectedVersion !== prev.expectedVersion + 1) {
      throw new BatchOrderError(info.entityType, item.id, `expected version ${item.expectedVersion} does not follow ${prev.expectedVersion}`);
    }
    if (prev && item.audit.prevHash !== prev.audit.hash) {
      throw new BatchOrderError(info.entityType, item.id, `prevHash of version ${item.expectedVersion + 1} is not the hash of version ${prev.expectedVersion + 1}`);
    }
    const round = prev ? prev.round + 1 : 0;
    const planned: Planned = {
      index,
      info,
      id: item.id,
      expectedVersion: item.expectedVersion,
      state: item.state,
      snapshot: item.snapshot,
      machineVersion: item.machineVersion,
      columns: item.columns ?? {},
      names,
      signature: names.join(','),
      audit: item.audit,
      round,
      previous: prev ? prev.index : null,
    };
    last.set(key, planned);
    (rounds[round] ??= []).push(planned);
  });
  return rounds;
}

/** Applies the rounds in order (an item only when its predecessor was applied); returns which items were. */
async function apply(db: Kysely<any>, rounds: readonly (readonly Planned[])[], total: number): Promise<boolean[]> {
  const applied = new Array<boolean>(total).fill(false);
  for (const round of rounds) {
    const ready = round.filter((p) => p.previous === null || applied[p.previous]);
    for (const part of chunk(ready, ROWS_PER_STATEMENT)) {
      for (const i of await writeRound(db, part)) applied[i] = true;
    }
  }
  return applied;
}

/** The current version of each of `ids` that has a row in the entity's table. */
async function currentVersions(db: Kysely<any>, info: EntityTableInfo, ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await sql<{ id: string; version: number }>`
    SELECT id, version FROM ${sql.table(info.table)}
    WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`.execute(db);
  return new Map(rows.map((r) => [String(r.id), Number(r.version)]));
}

/** The results, with the versions found for the items not applied. */
async function results(db: Kysely<any>, rounds: readonly (readonly Planned[])[], applied: readonly boolean[]): Promise<CommitResult[]> {
  const out = new Array<CommitResult>(applied.length);
  const failed = new Map<string, Planned[]>();
  for (const p of rounds.flat()) {
    if (applied[p.index]) out[p.index] = { ok: true, version: p.expectedVersion + 1 };
    else (failed.get(p.info.entityType) ?? failed.set(p.info.entityType, []).get(p.info.entityType)!).push(p);
  }
  for (const type of PERSISTED_ENTITY_TYPES) {
    const ps = failed.get(type);
    if (!ps) continue;
    const found = await currentVersions(db, ps[0]!.info, [...new Set(ps.map((p) => p.id))]);
    for (const p of ps) out[p.index] = { ok: false, actualVersion: found.get(p.id) ?? null };
  }
  return out;
}

/**
 * THE hot path (docs/design/engine.md §3): persists a batch of transitions of any number of entities atomically
 * (in the caller's transaction, when `db` is one). Per round one statement: per table a guarded
 * `UPDATE … WHERE version = expected` (batched) returning the audit rows of exactly the rows it
 * moved, inserted by the same statement. A batch that fits one statement (each entity once, up to
 * 5,000 items) needs no BEGIN/COMMIT: one round trip. Items of one entity must be consecutive
 * versions in batch order (v, v+1, …, hash-chained) and are applied in rounds inside one
 * transaction; when one fails, its successors fail too. A conflicting item does not stop the
 * others. Returns one result per item, in order.
 */
export async function commitTransitions(db: Kysely<Database>, items: readonly TransitionItem[]): Promise<CommitResult[]> {
  if (items.length === 0) return [];
  const rounds = plan(items);
  const single = rounds.length === 1 && items.length <= ROWS_PER_STATEMENT;
  try {
    const applied = await inTransaction(db, (trx) => apply(trx as Kysely<any>, rounds, items.length), { singleStatement: single });
    if (applied.every(Boolean)) return applied.map((_, i) => ({ ok: true, version: items[i]!.expectedVersion + 1 }));
    return await results(db as Kysely<any>, rounds, applied);
  } catch (error) {
    throw mapDbError(error);
  }
}

/** Persists one transition; `OptimisticLockError` on a version conflict, `EntityNotFoundError` when the row is gone. */
export async function commitTransition(db: Kysely<Database>, item: TransitionItem): Promise<{ version: number }> {
  const [result] = await commitTransitions(db, [item]);
  if (result!.ok) return { version: result!.version };
  const type = entityTable(item.entityType).entityType;
  if (result!.actualVersion === null) throw new EntityNotFoundError(type, item.id);
  throw new OptimisticLockError(type, item.id, item.expectedVersion, result!.actualVersion);
}
