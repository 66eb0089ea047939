import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { mapDbError } from './map-db-error.js';

/** A gate row as `gantry approve` / `gantry reject` look it up: its id, run, task, type and state. */
export interface GateRow {
  readonly id: string;
  readonly runId: string | null;
  readonly taskId: string | null;
  readonly gateType: string;
  readonly state: string;
}

const toRow = (r: { id: string; run_id: string | null; task_id: string | null; gate_type: string; state: string }): GateRow => ({
  id: r.id,
  runId: r.run_id,
  taskId: r.task_id,
  gateType: r.gate_type,
  state: r.state,
});

/** The gate row of entity id `id`, or null when there is none. */
export async function gateRow(db: Kysely<Database>, id: string): Promise<GateRow | null> {
  try {
    const r = await db.selectFrom('test_gates').select(['id', 'run_id', 'task_id', 'gate_type', 'state']).where('id', '=', id).executeTakeFirst();
    return r ? toRow(r) : null;
  } catch (err) {
    throw mapDbError(err);
  }
}

/** Every gate row of run `runId` (every task, every attempt), by id. */
export async function runGateRows(db: Kysely<Database>, runId: string): Promise<GateRow[]> {
  try {
    const rows = await db.selectFrom('test_gates').select(['id', 'run_id', 'task_id', 'gate_type', 'state']).where('run_id', '=', runId).orderBy('id').execute();
    return rows.map(toRow);
  } catch (err) {
    throw mapDbError(err);
  }
}
