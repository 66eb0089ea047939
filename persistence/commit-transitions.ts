import { sql, type CompiledQuery, type Kysely } from 'kysely';
import type { TransitionAudit } from './audit-record.js';
import type { Database } from './database.js';
import { entityTable, PERSISTED_ENTITY_TYPES, type EntityTableInfo } from './entity-tables.js';
import { BatchOrderError, EntityNotFoundError, OptimisticLockError } from './errors.js';
import { inTransaction } from './in-transaction.js';
import { mapDbError } from './map-db-error.js';
import { checkColumns, chunk } from './sql-values.js';
import { roundQuery, writeRound, type RoundItem } from './write-round.js';

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

/** A run of consecutive transitions of one entity in a batch, written as one row move (ADR 0012). */
interface Planned extends RoundItem {
  /** Batch positions of the run's transitions, in version order (the last is `index`). */
  readonly indexes: readonly number[];
}

/** A run being collected: the first transition fixes the guard, the last one the row's new values. */
interface Chain {
  readonly info: EntityTableInfo;
  readonly first: TransitionItem;
  readonly items: { readonly item: TransitionItem; readonly index: number }[];
}

/**
 * Validates the batch (items of one entity: consecutive versions, hash-chained) and coalesces each entity's
 * transitions into one row move: guarded by the first one's expected version, the row set to the last one's state,
 * snapshot and columns (each column the last value given), one audit row per transition.
 */
function plan(items: readonly TransitionItem[]): Planned[] {
  const chains = new Map<string, Chain>();
  items.forEach((item, index) => {
    const info = entityTable(item.entityType);
    const key = `${info.entityType}\u0000${item.id}`;
    const chain = chains.get(key);
    if (!chain) {
      chains.set(key, { info, first: item, items: [{ item, index }] });
      return;
    }
    const prev = chain.items[chain.items.length - 1]!.item;
    if (item.expectedVersion !== prev.expectedVersion + 1) {
      throw new BatchOrderError(info.entityType, item.id, `expected version ${item.expectedVersion} does not follow ${prev.expectedVersion}`);
    }
    if (item.audit.prevHash !== prev.audit.hash) {
      throw new BatchOrderError(info.entityType, item.id, `prevHash of version ${item.expectedVersion + 1} is not the hash of version ${prev.expectedVersion + 1}`);
    }
    chain.items.push({ item, index });
  });
  return [...chains.values()].map(({ info, first, items: run }): Planned => {
    const last = run[run.length - 1]!;
    const columns = run.length === 1 ? (first.columns ?? {}) : Object.assign({}, ...run.map((r) => r.item.columns ?? {}));
    const names = checkColumns(info, columns);
    return {
      index: last.index,
      indexes: run.map((r) => r.index),
      info,
      id: first.id,
      expectedVersion: first.expectedVersion,
      steps: run.length,
      state: last.item.state,
      snapshot: last.item.snapshot,
      machineVersion: last.item.machineVersion,
      columns,
      names,
      signature: names.join(','),
      audit: last.item.audit,
      earlier: run.slice(0, -1).map((r) => ({ index: r.index, seq: r.item.expectedVersion + 1, toState: r.item.state, audit: r.item.audit })),
    };
  });
}

/** Writes the moves (one statement per 5,000); returns which items were applied. */
async function apply(db: Kysely<any>, moves: readonly Planned[], total: number): Promise<boolean[]> {
  const applied = new Array<boolean>(total).fill(false);
  const byIndex = new Map(moves.map((m) => [m.index, m]));
  for (const part of chunk(moves, ROWS_PER_STATEMENT)) {
    for (const i of await writeRound(db, part)) for (const k of byIndex.get(i)!.indexes) applied[k] = true;
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
async function results(db: Kysely<any>, moves: readonly Planned[], applied: readonly boolean[]): Promise<CommitResult[]> {
  const out = new Array<CommitResult>(applied.length);
  const failed = new Map<string, Planned[]>();
  for (const p of moves) {
    if (applied[p.index]) p.indexes.forEach((k, j) => (out[k] = { ok: true, version: p.expectedVersion + 1 + j }));
    else (failed.get(p.info.entityType) ?? failed.set(p.info.entityType, []).get(p.info.entityType)!).push(p);
  }
  for (const type of PERSISTED_ENTITY_TYPES) {
    const ps = failed.get(type);
    if (!ps) continue;
    const found = await currentVersions(db, ps[0]!.info, [...new Set(ps.map((p) => p.id))]);
    for (const p of ps) for (const k of p.indexes) out[k] = { ok: false, actualVersion: found.get(p.id) ?? null };
  }
  return out;
}

/**
 * THE hot path (docs/design/engine.md §3): persists a batch of transitions of any number of entities atomically
 * (in the caller's transaction, when `db` is one). One statement: per table a guarded
 * `UPDATE … WHERE version = expected` (batched) returning the audit rows of exactly the rows it
 * moved, inserted by the same statement. A batch of up to 5,000 entities needs no BEGIN/COMMIT: one round trip.
 * Items of one entity must be consecutive versions in batch order (v, v+1, …, hash-chained); they are coalesced
 * (ADR 0012): the row is written once, guarded by v and set to the last item's state, snapshot and columns, with
 * one audit row per item — so they are applied or refused together. A conflicting entity does not stop the
 * others. Returns one result per item, in order.
 */
export async function commitTransitions(db: Kysely<Database>, items: readonly TransitionItem[]): Promise<CommitResult[]> {
  if (items.length === 0) return [];
  const moves = plan(items);
  const single = moves.length <= ROWS_PER_STATEMENT;
  try {
    const applied = await inTransaction(db, (trx) => apply(trx as Kysely<any>, moves, items.length), { singleStatement: single });
    if (applied.every(Boolean)) return applied.map((_, i) => ({ ok: true, version: items[i]!.expectedVersion + 1 }));
    return await results(db as Kysely<any>, moves, applied);
  } catch (error) {
    throw mapDbError(error);
  }
}

/** The statements that write a batch as {@link commitTransitions} does, for a caller that sends them itself. */
export interface TransitionStatements {
  /** One statement per 5,000 entities, to run in order in one transaction. */
  readonly queries: readonly CompiledQuery<{ entity_type: string; entity_id: string }>[];
  /** Which items were applied (batch order), from each statement's returned rows. */
  applied(rows: readonly (readonly { entity_type: string; entity_id: string }[])[]): boolean[];
}

/**
 * The statements {@link commitTransitions} would send for `items` (same validation, coalescing and guarded writes),
 * not sent: persistence/claim-round.ts pipelines them with its COMMIT on the connection holding its row locks.
 */
export function transitionStatements(items: readonly TransitionItem[]): TransitionStatements {
  const moves = plan(items);
  const rounds = chunk(moves, ROWS_PER_STATEMENT).map(roundQuery);
  return {
    queries: rounds.map((r) => r.query),
    applied: (rows) => {
      const applied = new Array<boolean>(items.length).fill(false);
      const byIndex = new Map(moves.map((m) => [m.index, m]));
      rounds.forEach((r, k) => {
        for (const i of r.applied(rows[k] ?? [])) for (const j of byIndex.get(i)!.indexes) applied[j] = true;
      });
      return applied;
    },
  };
}

/** Persists one transition; `OptimisticLockError` on a version conflict, `EntityNotFoundError` when the row is gone. */
export async function commitTransition(db: Kysely<Database>, item: TransitionItem): Promise<{ version: number }> {
  const [result] = await commitTransitions(db, [item]);
  if (result!.ok) return { version: result!.version };
  const type = entityTable(item.entityType).entityType;
  if (result!.actualVersion === null) throw new EntityNotFoundError(type, item.id);
  throw new OptimisticLockError(type, item.id, item.expectedVersion, result!.actualVersion);
}
