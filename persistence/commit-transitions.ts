import { sql, type Kysely } from 'kysely';
import { auditRow, type TransitionAudit } from './audit-record.js';
import type { Database } from './database.js';
import { entityTable, PERSISTED_ENTITY_TYPES, type EntityTableInfo } from './entity-tables.js';
import { BatchOrderError, EntityNotFoundError, OptimisticLockError } from './errors.js';
import { inTransaction } from './in-transaction.js';
import { mapDbError } from './map-db-error.js';
import { checkColumns } from './sql-values.js';
import { insertAuditRows } from './unnest-rows.js';
import { updateBatch, type RowUpdate } from './update-batch.js';

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

interface Planned extends RowUpdate {
  readonly index: number;
  readonly info: EntityTableInfo;
  readonly signature: string;
  /** Position among this batch's items of the same entity (0 for the first). */
  readonly round: number;
  readonly previous: number | null;
}

/** Validates the batch and orders items of one entity into rounds (v, v+1, …). */
function plan(items: readonly TransitionItem[]): Planned[] {
  const last = new Map<string, Planned>();
  return items.map((item, index) => {
    const info = entityTable(item.entityType);
    const columns = checkColumns(info, item.columns);
    const key = `${info.entityType}\u0000${item.id}`;
    const prev = last.get(key);
    if (prev && item.expectedVersion !== prev.expectedVersion + 1) {
      throw new BatchOrderError(info.entityType, item.id, `expected version ${item.expectedVersion} does not follow ${prev.expectedVersion}`);
    }
    if (prev && item.audit.prevHash !== prev.audit.hash) {
      throw new BatchOrderError(info.entityType, item.id, `prevHash of version ${item.expectedVersion + 1} is not the hash of version ${prev.expectedVersion + 1}`);
    }
    const planned: Planned = {
      ...item,
      columns: item.columns ?? {},
      index,
      info,
      signature: columns.join(','),
      round: prev ? prev.round + 1 : 0,
      previous: prev ? prev.index : null,
    };
    last.set(key, planned);
    return planned;
  });
}

async function currentVersions(trx: Kysely<any>, info: EntityTableInfo, ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await sql<{ id: string; version: number }>`
    SELECT id, version FROM ${sql.table(info.table)}
    WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`.execute(trx);
  return new Map(rows.map((r) => [String(r.id), Number(r.version)]));
}

async function run(trx: Kysely<any>, planned: readonly Planned[]): Promise<CommitResult[]> {
  const applied = new Array<boolean>(planned.length).fill(false);
  const rounds = planned.reduce((m, p) => Math.max(m, p.round), 0) + 1;
  for (let round = 0; round < rounds; round++) {
    const ready = planned.filter((p) => p.round === round && (p.previous === null || applied[p.previous]));
    for (const type of PERSISTED_ENTITY_TYPES) {
      const ofType = ready.filter((p) => p.info.entityType === type);
      for (const signature of new Set(ofType.map((p) => p.signature))) {
        const group = ofType.filter((p) => p.signature === signature);
        const done = await updateBatch(trx, group[0]!.info, signature ? signature.split(',') : [], group);
        for (const p of group) applied[p.index] = done.has(p.id);
      }
    }
  }
  const results: CommitResult[] = planned.map((p) => ({ ok: true, version: p.expectedVersion + 1 }));
  for (const type of PERSISTED_ENTITY_TYPES) {
    const failed = planned.filter((p) => !applied[p.index] && p.info.entityType === type);
    if (failed.length === 0) continue;
    const found = await currentVersions(trx, failed[0]!.info, [...new Set(failed.map((p) => p.id))]);
    for (const p of failed) results[p.index] = { ok: false, actualVersion: found.get(p.id) ?? null };
  }
  const audits = planned
    .filter((p) => applied[p.index])
    .map((p) => auditRow(p.info.entityType, p.id, p.expectedVersion + 1, p.state, p.audit));
  await insertAuditRows(trx, audits);
  return results;
}

/**
 * THE hot path (engine.md §3): persists a batch of transitions of any number of entities in ONE
 * transaction (the caller's, when `db` is one) — per table one guarded
 * `UPDATE … WHERE version = expected` (batched), then one multi-row INSERT of the audit rows of
 * exactly the rows updated. Items of one entity must be consecutive versions in batch order
 * (v, v+1, …, hash-chained) and are applied in rounds; when one fails, its successors fail too.
 * A conflicting item does not stop the others. Returns one result per item, in order.
 */
export async function commitTransitions(db: Kysely<Database>, items: readonly TransitionItem[]): Promise<CommitResult[]> {
  if (items.length === 0) return [];
  const planned = plan(items);
  try {
    return await inTransaction(db, (trx) => run(trx as Kysely<any>, planned));
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
