import type { Kysely } from 'kysely';
import { getRunSource, type Database } from '../persistence/index.js';
import { recordedPlan, type Plan } from '../plan/index.js';
import { RunSourceNotFoundError } from './errors.js';

/** What a run was started from, as `startRun` recorded it in `run_sources` (migration 0003). */
export interface RunSource {
  readonly runId: string;
  /** The validated, normalized plan the run was started with. */
  readonly plan: Plan;
  /** Absolute path of the plan file, or null. */
  readonly planFile: string | null;
  /** The engine's absolute state directory (worktrees under `<stateDir>/worktrees/<run>/<ws>`). */
  readonly stateDir: string;
}

/**
 * The recorded source of a run, read from the database: `gantry resume` continues the very plan the run started
 * with (an edited plan file cannot change a run half way), and `gantry worker` processes read tasks from it.
 * `RunSourceNotFoundError` when the run has none.
 */
export async function readRunSource(db: Kysely<Database>, runId: string): Promise<RunSource> {
  const r = await getRunSource(db, runId);
  if (!r) throw new RunSourceNotFoundError(runId);
  return { runId: r.runId, plan: recordedPlan(r.plan, runId), planFile: r.planFile, stateDir: r.stateDir };
}
