import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import { ENTITY_TABLES } from './entity-tables.js';
import { toEntityRecord, type EntityRecord } from './entity-record.js';
import { TransactionRequiredError } from './errors.js';

/** Which queued tasks a worker may claim. */
export interface ClaimOptions {
  /** At most this many tasks (the worker's spare capacity). */
  readonly limit: number;
  /** The worker's capabilities: only tasks whose `required_capabilities` are a subset (SSOT §1.5.6); omit for no filter. */
  readonly capabilities?: readonly string[];
  /** The worker's affinity: only tasks of these workstreams; omit or empty for any (SSOT §1.5.6). */
  readonly workstreamIds?: readonly string[];
  /** Only tasks of this run. */
  readonly runId?: string;
}

/**
 * Locks up to `limit` queued tasks with `SELECT … FOR UPDATE SKIP LOCKED` (SSOT §4.3.1), oldest
 * first, and returns them. Must run inside a transaction, which should also commit their
 * `worker_started` transitions: until it ends no other claimer sees these rows, so among any
 * number of concurrent claimers exactly one gets each task.
 */
export async function claimQueuedTasks(trx: Kysely<Database>, opts: ClaimOptions): Promise<EntityRecord[]> {
  if (!trx.isTransaction) throw new TransactionRequiredError('claimQueuedTasks');
  const { rows } = await claimQuery(opts, sql`*`).execute(trx);
  return rows.map((r) => toEntityRecord(ENTITY_TABLES.task, r));
}

/** A task locked by {@link lockQueuedTasks}: its id and version (the caller holds its snapshot, or loads it). */
export interface LockedTask {
  readonly id: string;
  readonly version: number;
}

/**
 * Locks queued tasks as {@link claimQueuedTasks} does but returns only their ids and versions, oldest first: a
 * claimer that already holds a task at that version (its own cache) need not read and parse its row again.
 */
export async function lockQueuedTasks(trx: Kysely<Database>, opts: ClaimOptions): Promise<LockedTask[]> {
  if (!trx.isTransaction) throw new TransactionRequiredError('lockQueuedTasks');
  const { rows } = await claimQuery(opts, sql`id, version`).execute(trx);
  return rows.map((r) => ({ id: String(r['id']), version: Number(r['version']) }));
}

/**
 * `SELECT <columns> FROM tasks WHERE <claimable> ORDER BY created_at, id LIMIT … FOR UPDATE SKIP LOCKED`: the locking
 * read of {@link claimQueuedTasks}, {@link lockQueuedTasks} and persistence/claim-round.ts.
 */
export function claimQuery(opts: ClaimOptions, columns: RawBuilder<unknown>): RawBuilder<Record<string, unknown>> {
  const conds = [sql`state = 'queued'`];
  if (opts.capabilities) conds.push(sql`required_capabilities <@ ${JSON.stringify(opts.capabilities)}::jsonb`);
  if (opts.workstreamIds && opts.workstreamIds.length > 0) {
    conds.push(sql`workstream_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(opts.workstreamIds)}::jsonb))`);
  }
  if (opts.runId !== undefined) conds.push(sql`run_id = ${opts.runId}`);
  return sql<Record<string, unknown>>`
    SELECT ${columns} FROM tasks WHERE ${sql.join(conds, sql` AND `)}
    ORDER BY created_at, id LIMIT ${Math.max(0, Math.floor(opts.limit))}
    FOR UPDATE SKIP LOCKED`;
}
