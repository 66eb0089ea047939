import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/** One entity row of a run: its id, state and parent (the workstream of a task, the task of a gate …). */
export interface RunEntityRow {
  readonly id: string;
  readonly state: string;
  /** Parent id where it has one. */
  readonly parent: string | null;
}

/** A run's row and its entities' rows, in creation order (`gantry status`). */
export interface RunEntities {
  readonly runId: string;
  readonly state: string;
  readonly workstreams: readonly RunEntityRow[];
  readonly tasks: readonly RunEntityRow[];
  readonly patches: readonly RunEntityRow[];
  readonly gates: readonly RunEntityRow[];
  readonly workers: readonly RunEntityRow[];
}

/** The states of run `runId` (of the newest run when null) and of all its entities; null when there is no such run. */
export async function runEntities(db: Kysely<Database>, runId: string | null): Promise<RunEntities | null> {
  const run = runId === null
    ? await db.selectFrom('runs').select(['id', 'state']).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst()
    : await db.selectFrom('runs').select(['id', 'state']).where('id', '=', runId).executeTakeFirst();
  if (!run) return null;
  const id = run.id;
  const [workstreams, tasks, patches, gates, workers] = await Promise.all([
    db.selectFrom('workstreams').select(['id', 'state']).where('run_id', '=', id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('tasks').select(['id', 'state', 'workstream_id as parent']).where('run_id', '=', id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('patch_ledger_entries').select(['id', 'state', 'task_id as parent']).where('run_id', '=', id).orderBy('id').execute(),
    db.selectFrom('test_gates').select(['id', 'state', 'task_id as parent']).where('run_id', '=', id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('workers').select(['id', 'state', 'pool_id as parent']).where('run_id', '=', id).orderBy('id').execute(),
  ]);
  const norm = (rows: readonly { id: string; state: string; parent?: string | null }[]): RunEntityRow[] =>
    rows.map((r) => ({ id: r.id, state: r.state, parent: r.parent ?? null }));
  return { runId: id, state: run.state, workstreams: norm(workstreams), tasks: norm(tasks), patches: norm(patches), gates: norm(gates), workers: norm(workers) };
}
