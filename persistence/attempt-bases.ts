import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** What the engine named for one attempt of a task of a `run.remote` run (`task_attempt_bases`, migration 0011). */
export interface AttemptBase {
  readonly taskId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly runId: string;
  /** The commit the attempt starts from (the integration branch's head, pushed to the remote). */
  readonly baseCommit: string;
  /** Why the engine could not push it to the remote; null when it did. */
  readonly publishError: string | null;
  /** The worker that handed the result back, or null. */
  readonly handedBackBy: string | null;
}

/**
 * Records (or records again, after a restart) the base commit of an attempt and whether publishing it failed; a
 * hand-back already recorded for the attempt is cleared only when the base changes.
 */
export async function recordAttemptBase(db: Kysely<Database>, b: Omit<AttemptBase, 'handedBackBy'>, now: Date): Promise<void> {
  await db
    .insertInto('task_attempt_bases')
    .values({ task_id: b.taskId, attempt: b.attempt, run_id: b.runId, base_commit: b.baseCommit, publish_error: b.publishError, recorded_at: now })
    .onConflict((oc) => oc.columns(['task_id', 'attempt']).doUpdateSet({ base_commit: b.baseCommit, publish_error: b.publishError, recorded_at: now }))
    .execute();
}

/** The base the engine named for attempt `attempt` of task `taskId`, or null when it named none (yet). */
export async function attemptBase(db: Kysely<Database>, taskId: string, attempt: number): Promise<AttemptBase | null> {
  const row = await db.selectFrom('task_attempt_bases').selectAll().where('task_id', '=', taskId).where('attempt', '=', attempt).executeTakeFirst();
  if (!row) return null;
  return { taskId: row.task_id, attempt: row.attempt, runId: row.run_id, baseCommit: row.base_commit, publishError: row.publish_error, handedBackBy: row.handed_back_by };
}

/** A diff a worker hands back for an attempt: stored as patch `patchId` (absent when the attempt changed nothing). */
export interface HandBack {
  readonly taskId: string;
  readonly attempt: number;
  readonly workerId: string;
  readonly patch: { readonly id: string; readonly workstreamId: string; readonly runId: string; readonly diff: string; readonly files: readonly string[]; readonly baseCommit: string } | null;
}

/**
 * Stores what a remote worker hands back for an attempt, in one transaction: the `patches` row with the diff and the
 * base it was made against (kept when one is there already: a repeated hand-back), and who handed it back.
 */
export async function recordHandBack(db: Kysely<Database>, h: HandBack, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (h.patch) {
      const p = h.patch;
      await tx
        .insertInto('patches')
        .values({ id: p.id, task_id: h.taskId, workstream_id: p.workstreamId, run_id: p.runId, diff: p.diff, files: JSON.stringify(p.files), bytes: Buffer.byteLength(p.diff, 'utf8'), base_commit: p.baseCommit })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    await tx.updateTable('task_attempt_bases').set({ handed_back_by: h.workerId, handed_back_at: now }).where('task_id', '=', h.taskId).where('attempt', '=', h.attempt).execute();
  });
}

/** The diff and base commit of patch `id`, or null when no such row exists. */
export async function storedPatchWithBase(db: Kysely<Database>, id: string): Promise<{ readonly diff: string; readonly baseCommit: string | null } | null> {
  const row = await db.selectFrom('patches').select(['diff', 'base_commit']).where('id', '=', id).executeTakeFirst();
  return row ? { diff: row.diff, baseCommit: row.base_commit } : null;
}
