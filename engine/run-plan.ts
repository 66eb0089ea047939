import type { Kysely } from 'kysely';
import type { PersistedActors } from '../actors/index.js';
import type { Database } from '../persistence/index.js';
import type { Plan } from '../plan/index.js';
import { executeTask } from './execute-task.js';
import type { EngineOptions, RunContext } from './run-context.js';
import { checkStop, isTerminal } from './run-context.js';
import { taskFacts } from './entity-facts.js';
import { afterWorkstreamSettled, deriveWorkstream, refreshDependencies } from './settle-workstream.js';
import { settleRun } from './settle-run.js';
import { startRun } from './start-run.js';
import { runStatus, type RunStatus } from './run-status.js';
import { dropWorktree } from './worktree.js';

/** Cancels every workstream still open once the run has ended early (a critical workstream failed, SSOT §3.3). */
async function cancelRemaining(ctx: RunContext): Promise<void> {
  for (const ws of ctx.order.workstreams) {
    const id = ctx.ids.workstream(ws);
    const state = (await ctx.actors.load('workstream', id)).state;
    if (isTerminal('workstream', state) || state === 'validating') continue;
    await ctx.actors.send('workstream', id, { type: 'cancel', reason: 'the run ended: a critical workstream failed' });
    await afterWorkstreamSettled(ctx, ws);
  }
}

/** Shuts the run's workers down (`shutdown_requested`) and removes leftover worktrees. */
async function shutdown(ctx: RunContext): Promise<void> {
  for (const pool of ctx.plan.workers.orchestration) {
    for (const w of pool.worker_ids) {
      const state = (await ctx.actors.load('worker', ctx.ids.worker(w))).state;
      if (state === 'idle' || state === 'busy') await ctx.actors.send('worker', ctx.ids.worker(w), { type: 'shutdown_requested', reason: 'run ended' });
    }
  }
  for (let n = 1; n <= ctx.plan.workers.uet.count; n++) {
    const state = (await ctx.actors.load('uet_worker', ctx.ids.uetWorker(n))).state;
    if (state === 'IDLE') await ctx.actors.send('uet_worker', ctx.ids.uetWorker(n), { type: 'shutdown_requested', reason: 'run ended' });
  }
  for (const ws of [...ctx.worktrees.keys()]) await dropWorktree(ctx, ws);
}

/**
 * Drives a started (or resumed) run to its outcome in this process (milestone 1, engine.md §1–2): runs the tasks one
 * at a time in `planOrder` (which honours task and workstream dependencies), deriving each task's workstream after it
 * settles and deciding the run by SSOT §3.3 / R-1. Every step is a persisted transition. Once the run has ended its
 * workers are shut down; when it stops early (`RunInterruptedError`, or any error) nothing is shut down, so the run
 * stays resumable.
 */
export async function driveRun(ctx: RunContext): Promise<RunStatus> {
  for (const taskId of ctx.order.tasks) {
    if ((await settleRun(ctx)) !== 'running') break;
    checkStop(ctx);
    const task = ctx.plan.tasks.find((t) => t.id === taskId)!;
    await refreshDependencies(ctx, task.workstream);
    await executeTask(ctx, task);
    await deriveWorkstream(ctx, task.workstream);
  }
  for (const ws of ctx.order.workstreams) {
    if ((await settleRun(ctx)) !== 'running') break;
    await refreshDependencies(ctx, ws);
    await deriveWorkstream(ctx, ws);
    // A crash right after a workstream settled can leave its open tasks uncancelled: finish that (resume).
    const settled = isTerminal('workstream', (await ctx.actors.load('workstream', ctx.ids.workstream(ws))).state);
    if (settled && (await taskFacts(ctx, ws)).some((t) => !isTerminal('task', t.state))) await afterWorkstreamSettled(ctx, ws);
  }
  if ((await settleRun(ctx)) !== 'running') await cancelRemaining(ctx);
  if (isTerminal('run', (await ctx.actors.load('run', ctx.ids.run)).state)) await shutdown(ctx);
  return runStatus(ctx.db, ctx.ids.run);
}

/** Runs a validated plan to its outcome in this process: {@link startRun}, then {@link driveRun}. */
export async function runPlan(actors: PersistedActors, db: Kysely<Database>, plan: Plan, options: EngineOptions): Promise<RunStatus> {
  return driveRun(await startRun(actors, db, plan, options));
}
