import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** One row of `patches` (SSOT §6.4): the diff a task produced. */
export interface PatchRow {
  readonly id: string;
  readonly taskId: string;
  readonly workstreamId: string;
  readonly runId: string;
  readonly diff: string;
  readonly files: readonly string[];
}

/** Inserts a `patches` row (a plain table, not an actor); `bytes` is the diff's UTF-8 size. */
export async function insertPatch(db: Kysely<Database>, p: PatchRow): Promise<void> {
  await db
    .insertInto('patches')
    .values({
      id: p.id,
      task_id: p.taskId,
      workstream_id: p.workstreamId,
      run_id: p.runId,
      diff: p.diff,
      files: JSON.stringify(p.files),
      bytes: Buffer.byteLength(p.diff, 'utf8'),
    })
    .execute();
}

/** The diff stored for patch `id`, or null when there is no such row (not stored yet: a crash came before). */
export async function storedPatchDiff(db: Kysely<Database>, id: string): Promise<string | null> {
  const row = await db.selectFrom('patches').select('diff').where('id', '=', id).executeTakeFirst();
  return row?.diff ?? null;
}
