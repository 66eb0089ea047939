import type { Kysely } from 'kysely';
import { runEntities, type Database, type RunEntityRow } from '../persistence/index.js';
import { RunNotFoundError } from './errors.js';

/** One entity in a status report: its id, state and parent (the workstream of a task, the task of a gate or ledger entry). */
export type EntityState = RunEntityRow;

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
  const found = await runEntities(db, runId);
  if (!found) throw new RunNotFoundError(runId);
  return found;
}
