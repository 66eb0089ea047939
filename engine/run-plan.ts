import type { Kysely } from 'kysely';
import type { PersistedActors } from '../actors/index.js';
import type { Database } from '../persistence/index.js';
import type { Plan } from '../plan/index.js';
import { executeTask } from './execute-task.js';
import type { EngineOptions, RunContext } from './run-context.js';
import { checkStop } from './run-context.js';
import { isTerminal, rerunOpen } from '../machines/index.js';
import { taskFacts } from './entity-facts.js';
import { afterWorkstreamSettled, deriveWorkstream, refreshDependencies } from './settle-workstream.js';
import { settleRun } from './settle-run.js';
import { startRun } from './start-run.js';
import { runStatus, type RunStatus } from './run-status.js';
import { dropWorktree } from './worktree.js';
import { startRunPulse } from './run-pulse.js';
import { refreshBlockers } from './task-blockers.js';
import { runWorkers, touchRunEngine } from '../persistence/index.js';
import { checkpointRunEnd } from './checkpoint-run-end.js';
import { sendAccepted } from './send-accepted.js';

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

/** Shuts the run's workers down (`shutdown_requested`), engine's and remote, and removes leftover worktrees. */
async function shutdown(ctx: RunContext): Promise<void> {
  // Every orchestration worker of the run: the engine's and those of `gantry worker` processes (which see it and stop).
  // Where their machines still take it: one may have been shut down meanwhile by its own process.
  for (const id of await runWorkers(ctx.db, ctx.ids.run, ['idle', 'busy'])) await sendAccepted(ctx, 'worker', id, [{ type: 'shutdown_requested', reason: 'run ended' }]);
  for (let n = 1; n <= ctx.plan.workers.uet.count; n++) {
    // Idle ones only: a busy one would go DRAINING with nothing left to finish its call.
    const state = (await ctx.actors.load('uet_worker', ctx.ids.uetWorker(n))).state;
    if (state === 'IDLE') await ctx.actors.send('uet_worker', ctx.ids.uetWorker(n), { type: 'shutdown_requested', reason: 'run ended' });
  }
  for (const ws of [...ctx.worktrees.keys()]) await dropWorktree(ctx, ws);
}

/** Longest wait of a lane for its workstream or a task dependency between looks (a committed transition wakes it). */
const LANE_WAIT_MS = 100;

/**
 * One workstream's lane: its tasks in plan order, one at a time (they share the workstream's worktree), each once its
 * workstream is ready or executing and its task dependencies (possibly in other workstreams) have settled. The shared
 * steps (dependency refresh, derivation, run settlement) take turns through the run's lock; the commands run
 * concurrently with other lanes', bounded by the worker slots. Ends when its tasks are done or the run stops.
 */
async function lane(ctx: RunContext, ws: string): Promise<void> {
  // Once more while a conflict round of the workstream re-runs some of its tasks (EXT-8): the others are ended already.
  while (await tasksPass(ctx, ws)) {
    const view = await ctx.actors.load('workstream', ctx.ids.workstream(ws));
    if (!rerunOpen(view.state, view.context)) return;
    checkStop(ctx);
    await ctx.lock.run(() => deriveWorkstream(ctx, ws)); // carries out a round a crash interrupted, or ends one with nothing to run
  }
}

/** One pass over the workstream's tasks in plan order; false when the lane must stop (the run or workstream ended). */
async function tasksPass(ctx: RunContext, ws: string): Promise<boolean> {
  for (const task of ctx.order.tasks.map((id) => ctx.plan.tasks.find((t) => t.id === id)!).filter((t) => t.workstream === ws)) {
    for (;;) {
      checkStop(ctx);
      const seen = ctx.changes.version;
      const go = await ctx.lock.run(async () => {
        if ((await settleRun(ctx)) !== 'running') return 'stop';
        await refreshDependencies(ctx, ws);
        const view = await ctx.actors.load('workstream', ctx.ids.workstream(ws));
        const state = view.state;
        if (isTerminal('workstream', state) || (state === 'validating' && !rerunOpen(state, view.context))) return 'stop';
        if (state !== 'ready' && state !== 'executing' && state !== 'validating') return 'wait';
        if (isTerminal('task', (await ctx.actors.load('task', ctx.ids.task(task.id))).state)) return 'skip';
        const deps = await Promise.all(task.depends_on.map((d) => ctx.actors.load('task', ctx.ids.task(d))));
        if (deps.every((d) => isTerminal('task', d.state))) return 'go';
        await refreshBlockers(ctx, task); // SSOT §3.1 rule 2: blocked while a dependency is not satisfied
        return 'wait';
      });
      if (go === 'stop') return false;
      if (go === 'go' || go === 'skip') break;
      await ctx.changes.wait(seen, LANE_WAIT_MS); // woken by any committed transition of this process
    }
    await executeTask(ctx, task);
    await ctx.lock.run(() => deriveWorkstream(ctx, ws));
  }
  return true;
}

/**
 * Drives a started (or resumed) run to its outcome in this process (docs/design/engine.md §1–2): one lane per workstream, run
 * concurrently (each workstream has its own worktree; workers are taken by slot and get their task through
 * `actors.claim`), then every workstream is derived once more and the run is decided by SSOT §3.3 / R-1. Every step
 * is a persisted transition. Once the run has ended its workers are shut down; when it stops early
 * (`RunInterruptedError`, or any error) nothing is shut down, so the run stays resumable. Meanwhile the run's pulse
 * keeps the engine's workers beating, marks the engine alive for `gantry worker` processes and watches every worker
 * of the run ({@link startRunPulse}).
 */
export async function driveRun(ctx: RunContext): Promise<RunStatus> {
  const unsubscribe = ctx.actors.subscribe(() => ctx.changes.notify());
  const pulse = await startRunPulse(ctx, ctx.options.onNote).catch((err: unknown) => {
    unsubscribe();
    throw err;
  });
  let ended = false;
  try {
    const status = await driveLanes(ctx);
    ended = true;
    return status;
  } finally {
    unsubscribe();
    await pulse.stop();
    // Stopped early (Ctrl-C, an error): `gantry worker` processes stop joining the run until it is resumed.
    if (!ended) await touchRunEngine(ctx.db, ctx.ids.run, null);
  }
}

/**
 * One lane that failed halts the run: the other lanes stop at their next look (`checkStop`) instead of waiting for
 * a workstream the failed lane will never move (a dependent workstream would wait forever), and the run stops with
 * that error (resumable).
 */
function haltOnFailure(ctx: RunContext, ws: string): Promise<void> {
  return lane(ctx, ws).catch((err: unknown) => {
    ctx.halt.error ??= err;
    ctx.changes.notify();
    throw err;
  });
}

async function driveLanes(ctx: RunContext): Promise<RunStatus> {
  const lanes = await Promise.allSettled(ctx.order.workstreams.map((ws) => haltOnFailure(ctx, ws)));
  const failure = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failure) throw failure.reason;
  for (const ws of ctx.order.workstreams) {
    if ((await settleRun(ctx)) === 'running') {
      await refreshDependencies(ctx, ws);
      await deriveWorkstream(ctx, ws);
    }
    // A crash right after a workstream settled, or a workstream cancelled from outside (EXT-1) that settled the run,
    // can leave its open tasks uncancelled: finish that, even once the run has ended.
    const settled = isTerminal('workstream', (await ctx.actors.load('workstream', ctx.ids.workstream(ws))).state);
    if (settled && (await taskFacts(ctx, ws)).some((t) => !isTerminal('task', t.state))) await afterWorkstreamSettled(ctx, ws);
  }
  if ((await settleRun(ctx)) !== 'running') await cancelRemaining(ctx);
  if (isTerminal('run', (await ctx.actors.load('run', ctx.ids.run)).state)) {
    await shutdown(ctx);
    await checkpointRunEnd(ctx);
  }
  return runStatus(ctx.db, ctx.ids.run);
}

/** Runs a validated plan to its outcome in this process: {@link startRun}, then {@link driveRun}. */
export async function runPlan(actors: PersistedActors, db: Kysely<Database>, plan: Plan, options: EngineOptions): Promise<RunStatus> {
  return driveRun(await startRun(actors, db, plan, options));
}
