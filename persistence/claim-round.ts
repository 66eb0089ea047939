import type { CompiledQuery, DatabaseConnection, Kysely, QueryResult } from 'kysely';
import { CompiledQuery as Compiled, sql } from 'kysely';
import { claimQuery, claimQueuedTasks, type ClaimOptions } from './claim-queued-tasks.js';
import { commitTransitions, transitionStatements, type TransitionItem } from './commit-transitions.js';
import type { Database } from './database.js';
import { ENTITY_TABLES } from './entity-tables.js';
import { toEntityRecord, type EntityRecord } from './entity-record.js';
import { ClaimChangedError } from './errors.js';
import { inTransaction } from './in-transaction.js';
import { mapDbError, sqlState } from './map-db-error.js';
import { isPipelined } from './pipelined.js';

/** SQLSTATEs after which re-running the whole claim is safe: deadlock and serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);
const RETRIES = 3;

/**
 * Decides the claim: from the locked rows (oldest first) the transition of each, one per row in row order, at the
 * row's version (the rows are locked: nothing else can move them before the commit).
 */
export type ClaimDecider = (locked: readonly EntityRecord[]) => readonly TransitionItem[];

/**
 * Claims queued tasks in ONE transaction (SSOT §4.3.1): `SELECT * … FOR UPDATE SKIP LOCKED` locks up to `limit`
 * tasks no other claimer holds and reads their rows, `decide` gives each its transition, and they are committed as
 * {@link commitTransitions} commits (guarded UPDATEs returning the audit rows they insert, hash-chained) before the
 * locks are released; among any number of concurrent claimers each task goes to exactly one. Resolves with the
 * locked rows; nothing is written when `decide` throws. Re-run (up to 3 times) after a deadlock or serialization failure.
 *
 * On a pipelined pool ({@link isPipelined}) the transaction takes two round trips: BEGIN is sent with the locking
 * read, the writes with the COMMIT (an error in a write aborts the transaction, and the COMMIT behind it then rolls
 * back). Elsewhere (PGlite, inside the caller's transaction) the same statements run one after another.
 */
export async function claimRound(db: Kysely<Database>, opts: ClaimOptions, decide: ClaimDecider): Promise<EntityRecord[]> {
  if (!isPipelined(db)) {
    return inTransaction(db, async (trx) => {
      const locked = await claimQueuedTasks(trx, opts);
      const items = checked(locked, decide(locked));
      const results = await commitTransitions(trx, items);
      results.forEach((r, i) => {
        if (!r.ok) throw new ClaimChangedError(items[i]!.id);
      });
      return locked;
    });
  }
  const read = claimQuery(opts, sql`*`).compile(db);
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.getExecutor().provideConnection((conn) => pipelinedClaim(conn, read, decide));
    } catch (error) {
      if (attempt >= RETRIES || !RETRYABLE.has(sqlState(error) ?? '')) throw mapDbError(error);
    }
  }
}

const BEGIN = Compiled.raw('begin');
const COMMIT = Compiled.raw('commit');
const ROLLBACK = Compiled.raw('rollback');

/** The claim on one pipelined connection: [BEGIN, read] → decide → [writes…, COMMIT]. */
async function pipelinedClaim(conn: DatabaseConnection, read: CompiledQuery, decide: ClaimDecider): Promise<EntityRecord[]> {
  const [begun, locking] = await Promise.allSettled([conn.executeQuery(BEGIN), conn.executeQuery<Record<string, unknown>>(read)]);
  let statements: ReturnType<typeof transitionStatements>;
  let locked: EntityRecord[];
  try {
    if (begun.status === 'rejected') throw begun.reason;
    if (locking.status === 'rejected') throw locking.reason;
    locked = locking.value.rows.map((r) => toEntityRecord(ENTITY_TABLES.task, r));
    statements = transitionStatements(checked(locked, decide(locked)));
  } catch (error) {
    // Nothing written: end the transaction (a no-op warning when BEGIN itself failed) before the connection goes back.
    await conn.executeQuery(ROLLBACK).catch(() => undefined);
    throw error;
  }
  const sent = await Promise.allSettled([...statements.queries.map((q) => conn.executeQuery(q)), conn.executeQuery(COMMIT)]);
  const failed = sent.find((s) => s.status === 'rejected');
  if (failed) {
    // A failed write aborted the transaction and the COMMIT behind it rolled it back; a failed COMMIT ended it too.
    await conn.executeQuery(ROLLBACK).catch(() => undefined);
    throw failed.reason;
  }
  const results = sent.map((s) => (s as PromiseFulfilledResult<QueryResult<unknown>>).value);
  if (commandOf(results[results.length - 1]!) !== 'COMMIT') throw new ClaimChangedError(locked[0]?.id ?? '(none)');
  const applied = statements.applied(results.slice(0, -1).map((r) => r.rows as { entity_type: string; entity_id: string }[]));
  // Every item was checked against its locked row before it was sent: a row left unmoved would be a bug, never a race.
  const missed = applied.findIndex((a) => !a);
  if (missed >= 0) throw new ClaimChangedError(locked[missed]!.id);
  return locked;
}

/** The command tag Kysely reports for a COMMIT (`COMMIT`, or `ROLLBACK` when the transaction had failed). */
function commandOf(result: QueryResult<unknown>): string | undefined {
  const row = result.rows[0] as { command?: unknown } | undefined;
  return typeof row?.command === 'string' ? row.command : undefined;
}

/** `items`, after checking there is one per locked row, in order, at the row's version: their guards cannot miss. */
function checked(locked: readonly EntityRecord[], items: readonly TransitionItem[]): readonly TransitionItem[] {
  if (items.length !== locked.length) throw new ClaimChangedError(locked[0]?.id ?? '(none)');
  items.forEach((item, i) => {
    const row = locked[i]!;
    if (item.id !== row.id || item.expectedVersion !== row.version) throw new ClaimChangedError(row.id);
  });
  return items;
}
