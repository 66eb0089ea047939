import type { Kysely } from 'kysely';
import type { Database } from '../persistence/index.js';

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

/** Inserts the phase row a run links to when it is not there yet (name = id, empty policy). */
export async function ensurePhase(db: Kysely<Database>, phaseId: string): Promise<void> {
  await db
    .insertInto('phases')
    .values({ id: phaseId, name: phaseId, policy: JSON.stringify({}) })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
