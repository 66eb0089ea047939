import type { Kysely } from 'kysely';
import type { PersistedActors } from '../actors/index.js';
import type { Database } from '../persistence/index.js';
import type { Plan } from '../plan/index.js';
import { checkSnapshotVersions } from './check-snapshot-versions.js';
import { dropSettledWorktrees, recoverLeftovers } from './recover-leftovers.js';
import { repairRun } from './repair-run.js';
import type { EngineOptions } from './run-context.js';
import { driveRun } from './run-plan.js';
import type { RunStatus } from './run-status.js';
import { startRun } from './start-run.js';

/**
 * Continues a run after a crash or a stop, from the persisted state (docs/design/plan.md `gantry resume`): completes a setup a
 * crash interrupted (only missing entities are created), repairs what a crash between commit and effects left
 * ({@link repairRun}: lost task and gate processes, busy workers, due retries; {@link recoverLeftovers}: stale locks,
 * merges and archives cut short, worktrees of settled workstreams), then drives the run on; worktrees are
 * recreated or reset as they are needed, tasks continue from their persisted state. `onRepair` sees each repair.
 * Refused with `SnapshotVersionsRefusedError`, before anything is written, when an entity of the run was stored under
 * a machine version no snapshot migration leads from.
 */
export async function resumeRun(actors: PersistedActors, db: Kysely<Database>, plan: Plan, options: EngineOptions, onRepair: (note: string) => void = () => undefined): Promise<RunStatus> {
  // Issue 16: entities stored under a machine version this build cannot read refuse the resume before anything is written.
  await checkSnapshotVersions(db, plan.run.id);
  const ctx = await startRun(actors, db, plan, options, { resume: true });
  for (const note of await repairRun(ctx)) onRepair(note);
  for (const note of await recoverLeftovers(ctx)) onRepair(note);
  const status = await driveRun(ctx);
  // Workstreams settled by the steps above (before their worktrees were known to this process) leave none behind.
  for (const note of await dropSettledWorktrees(ctx)) onRepair(note);
  return status;
}
