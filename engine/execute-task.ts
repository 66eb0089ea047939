import { dirname } from 'node:path';
import { reapTagged } from '../exec/index.js';
import { isClean, restoreGitMetadata, revParse, snapshotGitMetadata } from '../git/index.js';
import type { PlanTask } from '../plan/index.js';
import { releaseTrial, waitForBreaker } from './breaker-gate.js';
import { refreshBlockers } from './task-blockers.js';
import { dispatchTask } from './dispatch-task.js';
import { stateMap } from './entity-facts.js';
import { resumeValidation } from './resume-validation.js';
import { clipReason, isTerminal, rerunOpen } from '../machines/index.js';
import { checkStop, type RunContext } from './run-context.js';
import { sendAccepted } from './send-accepted.js';
import { validateTask } from './validate-task.js';
import { waitForApprovals } from './wait-for-approvals.js';
import { abandonManualGates } from './abandon-manual-gates.js';
import { workstreamTagPrefix } from './task-sandbox.js';
import { ensureWorktree, resetWorktree, worktreePlace } from './worktree.js';
import { handedBackPatch, publishAttemptBase } from './remote-repository.js';

/**
 * One attempt of a queued task: dispatched to a worker (here or in a `gantry worker` process), then validated or
 * undone. Starts from a worktree where nothing else runs and nothing is left: a process of a lost attempt still
 * running there (a killed worker's, found by its tag) is killed and whatever it wrote is reset, so that it never
 * becomes part of this attempt's patch.
 */
async function attempt(ctx: RunContext, task: PlanTask, wt: string): Promise<string> {
  const id = ctx.ids.task(task.id);
  const left = await reapTagged({ prefix: workstreamTagPrefix(ctx, task.workstream) });
  if (left.length > 0) ctx.options.onNote?.(`task ${task.id}: killed ${left.length} process(es) of a lost attempt in its worktree`);
  // Addressed explicitly, never through the worktree's own `.git` (a task may have rewritten it; put back here).
  const dirs = (await worktreePlace(ctx, task.workstream, wt)).dirs;
  if (!(await isClean(dirs))) await resetWorktree(dirs); // no attempt runs here now: anything uncommitted is foreign
  const base = await revParse(dirs, 'HEAD');
  await publishAttemptBase(ctx, task, dirs, base); // issue 16: with `run.remote`, workers elsewhere fetch exactly this commit
  // The git metadata that could make git run code (config, hooks, attributes): whatever the task changes there is
  // put back after it and fails it (git/git-metadata-guard.ts).
  const guard = await snapshotGitMetadata(dirs);
  await dispatchTask(ctx, task, wt);
  const changed = await restoreGitMetadata(guard, dirname(dirs.commonDir));
  const state = (await ctx.actors.load('task', id)).state;
  const tampered = changed.length === 0 ? null : clipReason(`the task changed git metadata Gantry uses (put back): ${changed.join(', ')}`);
  if (state === 'validating') return validateTask(ctx, task, wt, base, tampered, await handedBackPatch(ctx, task, base));
  await resetWorktree((await worktreePlace(ctx, task.workstream, wt)).dirs, base);
  return state;
}

/**
 * Waits (on the run's clock) until the task's persisted `retry_at`, then until its tool's breaker lets a call
 * through, and offers `retry_delay_elapsed`, which its machine takes once the retry is due (asked again if the clock
 * was not there yet): only then is the task claimable again. Returns the task's state: `queued`, or whatever someone
 * else decided meanwhile (a cancel, an override).
 */
async function waitForRetry(ctx: RunContext, task: PlanTask, id: string): Promise<string> {
  for (;;) {
    const view = await ctx.actors.load('task', id);
    await ctx.clock.sleep((view.context.retry_at ?? ctx.clock.now()) - ctx.clock.now() + 1);
    await waitForBreaker(ctx, task);
    const sent = await sendAccepted(ctx, 'task', id, [{ type: 'retry_delay_elapsed' }], { expectedVersion: view.version });
    if (sent !== null) return sent.to;
    const now = await ctx.actors.load('task', id);
    if (now.version !== view.version) return now.state;
  }
}

/**
 * Drives one task to a terminal state (SSOT §1.4): cancelled by `dependency_failed` when a dependency failed, else
 * queued (`scheduler_assigned`) once its worktree exists and its tool's breaker lets calls through (SSOT §2.4: an
 * OPEN breaker keeps the task from starting), then attempts (claimed by a worker here or in a `gantry worker`
 * process → run → `execution_completed` / `execution_failed` / `timeout_exceeded`), waiting out `retry_at` and the
 * breaker before `retry_delay_elapsed` re-queues it; a successful attempt goes through validation (patch ledger and
 * gates) in this process. Resumable: a task found `queued`, `running` (another process's worker) or `retrying`
 * continues its attempts, one found `validating` continues its patch pipeline. Stops with `RunInterruptedError`
 * between attempts when the run was asked to stop. Returns the task's final state.
 */
export async function executeTask(ctx: RunContext, task: PlanTask): Promise<string> {
  try {
    return await driveTask(ctx, task);
  } finally {
    releaseTrial(ctx, task); // a HALF_OPEN trial this task held ends with it (SSOT §2.4)
  }
}

async function driveTask(ctx: RunContext, task: PlanTask): Promise<string> {
  const id = ctx.ids.task(task.id);
  const view = await ctx.actors.load('task', id);
  if (isTerminal('task', view.state)) return view.state;
  if (view.state === 'validating') return untilDecided(ctx, task, await resumeValidation(ctx, task));
  // The worktree exists before the task is claimable: a `gantry worker` process runs the command in it.
  const wt = await ensureWorktree(ctx, task.workstream);
  if (view.state === 'pending' || view.state === 'blocked') {
    await waitForBreaker(ctx, task);
    await schedule(ctx, task);
  }
  let state: string = (await ctx.actors.load('task', id)).state;
  for (;;) {
    if (isTerminal('task', state)) return state;
    if (state === 'retrying') {
      state = await waitForRetry(ctx, task, id);
      continue;
    }
    checkStop(ctx);
    state = await untilDecided(ctx, task, await attempt(ctx, task, wt));
    releaseTrial(ctx, task); // the attempt's call reported (or was dropped): the next waiting task may be the trial
  }
}

/**
 * A task left `validating` by its pipeline waits for a manual gate's approver (EXT-6): it waits without a worker
 * (engine/wait-for-approvals.ts), then its validation continues (`resumeValidation`, which takes a UET worker again),
 * as often as manual gates wait. Returns the task's state once it is no longer waiting.
 */
async function untilDecided(ctx: RunContext, task: PlanTask, state: string): Promise<string> {
  while (state === 'validating') {
    await waitForApprovals(ctx, task);
    const view = await ctx.actors.load('task', ctx.ids.task(task.id));
    state = view.state; // an override may have ended it meanwhile
    if (state === 'validating') state = await resumeValidation(ctx, task);
    // EXT-9: a task ended while a manual gate waited (an override) leaves nobody to decide the gate.
    else await abandonManualGates(ctx, task, view.context.retry_count + 1, `abandoned: the task is ${state}`);
  }
  return state;
}

/** `pending` (or `blocked`, via `dependency_satisfied`) → `queued` (`scheduler_assigned`), or cancelled when a dependency failed or the workstream is not running. */
async function schedule(ctx: RunContext, task: PlanTask): Promise<void> {
  const id = ctx.ids.task(task.id);
  const dependencies = await stateMap(ctx, 'task', task.depends_on.map(ctx.ids.task));
  // its machine takes `dependency_failed` when one of the dependencies failed or was cancelled.
  if (await sendAccepted(ctx, 'task', id, [{ type: 'dependency_failed', dependencies, reason: 'a dependency failed or was cancelled' }])) return;
  const ws = await ctx.actors.load('workstream', ctx.ids.workstream(task.workstream));
  // A `validating` workstream runs tasks only in a re-run conflict round (EXT-8), which its machine says.
  if (ws.state !== 'ready' && ws.state !== 'executing' && !rerunOpen(ws.state, ws.context)) {
    return void (await ctx.actors.send('task', id, { type: 'user_cancelled', reason: `workstream is ${ws.state}` }));
  }
  // A task blocked while its dependencies ran goes back to pending now they are satisfied (SSOT §1.4).
  await refreshBlockers(ctx, task);
  await ctx.actors.send('task', id, { type: 'scheduler_assigned', dependencies, gates: {} });
}
