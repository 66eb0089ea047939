import type { Kysely } from 'kysely';
import type { Database } from '../persistence/index.js';
import { RunNotFoundError } from './errors.js';

/** One entity in a status report. */
export interface EntityState {
  readonly id: string;
  readonly state: string;
  /** Parent id where it has one (the workstream of a task, the task of a gate or ledger entry). */
  readonly parent: string | null;
}

/** A run and its entities with their states (`gantry status`). */
export interface RunStatus {
  readonly runId: string;
  readonly state: string;
  readonly workstreams: readonly EntityState[];
  readonly tasks: readonly EntityState[];
  readonly patches: readonly EntityState[];
  readonly gates: readonly EntityState[];
  readonly workers: readonly EntityState[];
}

/** The status of run `runId`, or of the newest run when null; `RunNotFoundError` when there is none. */
export async function runStatus(db: Kysely<Database>, runId: string | null): Promise<RunStatus> {
  const run = runId === null
    ? await db.selectFrom('runs').select(['id', 'state']).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst()
    : await db.selectFrom('runs').select(['id', 'state']).where('id', '=', runId).executeTakeFirst();
  if (!run) throw new RunNotFoundError(runId);
  const id = run.id;
  const [workstreams, tasks, patches, gates, workers] = await Promise.all([
    db.selectFrom('workstreams').select(['id', 'state']).where('run_id', '=', id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('tasks').select(['id', 'state', 'workstream_id as parent']).where('run_id', '=', id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('patch_ledger_entries').select(['id', 'state', 'task_id as parent']).where('run_id', '=', id).orderBy('id').execute(),
    db.selectFrom('test_gates').select(['id', 'state', 'task_id as parent']).where('run_id', '=', id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('workers').select(['id', 'state', 'pool_id as parent']).where('run_id', '=', id).orderBy('id').execute(),
  ]);
  const norm = (rows: readonly { id: string; state: string; parent?: string | null }[]): EntityState[] =>
    rows.map((r) => ({ id: r.id, state: r.state, parent: r.parent ?? null }));
  return { runId: id, state: run.state, workstreams: norm(workstreams), tasks: norm(tasks), patches: norm(patches), gates: norm(gates), workers: norm(workers) };
}
