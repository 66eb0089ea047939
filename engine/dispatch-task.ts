import type { PlanTask } from '../plan/index.js';
import { ClaimMismatchError } from './errors.js';
import { releaseSlot, tryPickWorker } from './pick-worker.js';
import { runClaimedTask } from './run-claimed-task.js';
import { checkStop, type RunContext } from './run-context.js';

/** Longest wait between looks at a task another process may be moving (a local change wakes the lane at once). */
const MAX_WAIT_MS = 50;

/**
 * Gets one attempt of a `queued` task run, by whichever worker claims it first (SSOT §4.3.1, docs/design/plan.md `gantry
 * worker`): while the task is queued the engine offers it to a free worker of its own, claiming it with
 * `FOR UPDATE SKIP LOCKED` exactly as `gantry worker` processes do, so among all of them one gets it; claimed here,
 * the attempt runs in this process ({@link runClaimedTask}); claimed by another process, the lane waits until that
 * worker decides it (or the engine's watchdog fails it when the worker is lost, see `watchWorkers`). Returns once the
 * task left `queued`/`running`. A stop request (Ctrl-C) is honoured while waiting: the run stays resumable.
 */
export async function dispatchTask(ctx: RunContext, task: PlanTask, wt: string): Promise<void> {
  const id = ctx.ids.task(task.id);
  const wsId = ctx.ids.workstream(task.workstream);
  for (;;) {
    const seen = ctx.changes.version;
    const state = (await ctx.actors.load('task', id)).state;
    if (state !== 'queued' && state !== 'running') return;
    if (state === 'queued') {
      const worker = await tryPickWorker(ctx, task);
      if (worker) {
        try {
          const claimed = await ctx.actors.claim({ workerId: worker.id, capabilities: worker.capabilities, limit: 1, runId: ctx.ids.run, workstreamIds: [wsId] });
          if (claimed.length > 0 && (claimed.length !== 1 || claimed[0]!.id !== id)) throw new ClaimMismatchError(id, claimed.map((c) => c.id));
          if (claimed.length === 1) return void (await runClaimedTask(ctx, task, worker.id, wt, claimed[0]!.version));
        } finally {
          releaseSlot(ctx, worker.id);
        }
      }
    }
    checkStop(ctx);
    // Woken by this process's transitions and released slots; another process's claim or outcome is seen within MAX_WAIT_MS.
    await ctx.changes.wait(seen, MAX_WAIT_MS);
  }
}
