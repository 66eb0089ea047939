import { runProcess, ProcessSpawnError, type ProcessResult } from '../exec/index.js';
import { revParse } from '../git/index.js';
import { InvalidTransitionError } from '../machines/index.js';
import type { PlanTask } from '../plan/index.js';
import { reportCall, waitForBreaker } from './breaker-gate.js';
import { stateMap, taskFacts } from './entity-facts.js';
import { ClaimMismatchError } from './errors.js';
import { resumeValidation } from './resume-validation.js';
import { heartbeatIfStale, pickWorker, releaseSlot } from './pick-worker.js';
import { checkStop, isTerminal, type RunContext } from './run-context.js';
import { sleep } from './sleep.js';
import { validateTask } from './validate-task.js';
import { ensureWorktree, resetWorktree } from './worktree.js';

/** Runs a command and turns a spawn failure into a failed result (the task then fails or retries like any failure). */
async function runTool(ctx: RunContext, task: PlanTask, cwd: string): Promise<ProcessResult | { spawnError: string }> {
  try {
    return await runProcess({
      command: typeof task.command === 'string' ? task.command : [...task.command],
      cwd,
      env: task.env,
      timeoutMs: task.timeout_sec * 1000,
      ...(ctx.options.killGraceMs !== undefined ? { killGraceMs: ctx.options.killGraceMs } : {}),
    });
  } catch (err) {
    if (err instanceof ProcessSpawnError) return { spawnError: err.message };
    throw err;
  }
}

/** Sends `heartbeat` to a busy worker every interval while `work` runs (SSOT §1.5). */
async function withHeartbeats<T>(ctx: RunContext, workerId: string, work: Promise<T>): Promise<T> {
  const every = ctx.options.heartbeatIntervalMs ?? ctx.plan.workers.heartbeat_interval_sec * 1000;
  const beats: Promise<unknown>[] = [];
  const timer = setInterval(() => beats.push(ctx.actors.send('worker', workerId, { type: 'heartbeat' }).catch(() => undefined)), every);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    await Promise.all(beats);
  }
}

/** One attempt: claim by a worker, run the command in the worktree, report the outcome to task, worker and breaker. */
async function attempt(ctx: RunContext, task: PlanTask, wt: string): Promise<string> {
  const id = ctx.ids.task(task.id);
  const wsId = ctx.ids.workstream(task.workstream);
  await waitForBreaker(ctx, task);
  const worker = await pickWorker(ctx, task);
  let base: string;
  let ok = false;
  let error: string | undefined;
  try {
    const claimed = await ctx.actors.claim({ workerId: worker.id, capabilities: worker.capabilities, limit: 1, runId: ctx.ids.run, workstreamIds: [wsId] });
    if (claimed.length !== 1 || claimed[0]!.id !== id) throw new ClaimMismatchError(id, claimed.map((c) => c.id));
    await heartbeatIfStale(ctx, worker.id, ctx.plan.workers.heartbeat_interval_sec * 1000);
    await ctx.actors.send('worker', worker.id, { type: 'task_assigned', task_id: id, workstream_id: wsId, required_capabilities: [...task.requires] });
    if ((await ctx.actors.load('workstream', wsId)).state === 'ready') {
      await ctx.actors.send('workstream', wsId, { type: 'task_started', tasks: await taskFacts(ctx, task.workstream) });
    }
    base = await revParse(wt, 'HEAD');
    const result = await withHeartbeats(ctx, worker.id, runTool(ctx, task, wt));
    if ('spawnError' in result) {
      error = result.spawnError;
      await ctx.actors.send('task', id, { type: 'execution_failed', error: error.slice(0, 4000), jitter: jitter(ctx) });
    } else if (result.timedOut) {
      error = `timed out after ${task.timeout_sec} s`;
      await ctx.actors.send('task', id, { type: 'timeout_exceeded', exit_code: result.exitCode, error, jitter: jitter(ctx) });
    } else if (result.exitCode !== null && task.expect_exit.includes(result.exitCode)) {
      ok = true;
      await ctx.actors.send('task', id, { type: 'execution_completed', exit_code: result.exitCode });
    } else {
      error = `exit code ${result.exitCode ?? result.signal}: ${result.stderr.slice(-2000)}`.trim();
      await ctx.actors.send('task', id, { type: 'execution_failed', exit_code: result.exitCode, error: error.slice(0, 4000), jitter: jitter(ctx) });
    }
    // The worker is released after the task left `running`, so its slot never overlaps the next task's run.
    await ctx.actors.send('worker', worker.id, { type: 'task_completed', task_id: id });
  } finally {
    releaseSlot(ctx, worker.id);
  }
  await reportCall(ctx, task, ok, error);
  const state = (await ctx.actors.load('task', id)).state;
  if (state === 'validating') return validateTask(ctx, task, wt, base);
  await resetWorktree(wt, base);
  return state;
}

/** Waits until the task's persisted `retry_at` and sends `retry_delay_elapsed` (re-sent if the clock was not there yet). */
async function waitForRetry(ctx: RunContext, id: string): Promise<void> {
  for (;;) {
    const retryAt = (await ctx.actors.load('task', id)).context['retry_at'];
    await sleep((typeof retryAt === 'number' ? retryAt : Date.now()) - Date.now() + 1);
    try {
      await ctx.actors.send('task', id, { type: 'retry_delay_elapsed' });
      return;
    } catch (err) {
      if (!(err instanceof InvalidTransitionError)) throw err;
    }
  }
}

function jitter(ctx: RunContext): number {
  return Math.min(1, Math.max(0, (ctx.options.jitter ?? Math.random)()));
}

/**
 * Drives one task to a terminal state (SSOT §1.4): cancelled by `dependency_failed` when a dependency failed, else
 * `scheduler_assigned`, then attempts (claim → run → `execution_completed` / `execution_failed` /
 * `timeout_exceeded`), waiting out `retry_at` and sending `retry_delay_elapsed` between them; a successful attempt
 * goes through validation (patch ledger and gates). Resumable: a task found `queued` or `retrying` continues its
 * attempts, one found `validating` continues its patch pipeline. Stops with `RunInterruptedError` between attempts
 * when the run was asked to stop. Returns the task's final state.
 */
export async function executeTask(ctx: RunContext, task: PlanTask): Promise<string> {
  const id = ctx.ids.task(task.id);
  const view = await ctx.actors.load('task', id);
  if (isTerminal('task', view.state)) return view.state;
  if (view.state === 'validating') return resumeValidation(ctx, task);
  if (view.state === 'pending') await schedule(ctx, task);
  const wt = await ensureWorktree(ctx, task.workstream);
  let state = (await ctx.actors.load('task', id)).state;
  for (;;) {
    if (isTerminal('task', state)) return state;
    if (state === 'retrying') await waitForRetry(ctx, id);
    checkStop(ctx);
    state = await attempt(ctx, task, wt);
  }
}

/** `pending` → `queued` (`scheduler_assigned`), or cancelled when a dependency failed or the workstream is not running. */
async function schedule(ctx: RunContext, task: PlanTask): Promise<void> {
  const id = ctx.ids.task(task.id);
  const dependencies = await stateMap(ctx, 'task', task.depends_on.map(ctx.ids.task));
  if (Object.values(dependencies).some((s) => s === 'failed' || s === 'cancelled')) {
    return void (await ctx.actors.send('task', id, { type: 'dependency_failed', dependencies, reason: 'a dependency failed or was cancelled' }));
  }
  const ws = await ctx.actors.load('workstream', ctx.ids.workstream(task.workstream));
  if (ws.state !== 'ready' && ws.state !== 'executing') {
    return void (await ctx.actors.send('task', id, { type: 'user_cancelled', reason: `workstream is ${ws.state}` }));
  }
  await ctx.actors.send('task', id, { type: 'scheduler_assigned', dependencies, gates: {} });
}
