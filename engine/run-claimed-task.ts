import { ExecError, programNotFound, ProcessSpawnError, reapTagged, runProcess, type ProcessResult } from '../exec/index.js';
import { clipReason, type EntityType, type SendEventOf } from '../machines/index.js';
import { recordAttemptOutput } from '../persistence/index.js';
import type { PlanTask } from '../plan/index.js';
import { callRefusal, reportCall } from './breaker-gate.js';
import { taskFacts } from './entity-facts.js';
import { heartbeatIfStale } from './pick-worker.js';
import { heartbeatMs, type RunContext } from './run-context.js';
import { sendAccepted } from './send-accepted.js';
import { type AttemptPrompt, removeAttemptPrompt, writeAttemptPrompt } from './attempt-prompt.js';
import { budgetRefusal } from './budget-check.js';
import { PromptFileError } from './errors.js';
import { UsageMeter } from './usage-meter.js';
import { attemptTag, commandSandbox, runSandbox, workstreamTagPrefix } from './task-sandbox.js';

/** An attempt whose command did not run: why, the program not found (when that is why), and whether to retry. */
interface ToolNotRun {
  readonly spawnError: string;
  readonly notFound: string | null;
  /** False when a retry cannot help (an unreadable `prompt_file`). */
  readonly retryable?: false;
}

/** An attempt stopped, or not started, because it put a budget over (or one was over already): the reason. */
interface BudgetStop {
  readonly budgetStop: string;
}

/**
 * The variables every attempt's command gets (issue 15): the plan's task id, the run id, its worktree, the attempt
 * number from 1 and, when the task has a prompt, the file holding it.
 */
function attemptEnv(ctx: RunContext, task: PlanTask, cwd: string, attemptNo: number, prompt: AttemptPrompt | null): Record<string, string> {
  return {
    GANTRY_TASK_ID: task.id,
    GANTRY_RUN_ID: ctx.ids.run,
    GANTRY_WORKTREE: cwd,
    GANTRY_ATTEMPT: String(attemptNo),
    ...(prompt ? { GANTRY_PROMPT_FILE: prompt.file } : {}),
  };
}

/**
 * Runs one attempt's command, contained: first every process left in the workstream's worktree on this machine is
 * killed (a lost attempt of a killed engine or worker; the workstream's tasks run one at a time), then the command runs in its sandbox (or unsandboxed under
 * `sandbox: none` / `auto` without bubblewrap) with a unique attempt tag, and returns only once no process of it is
 * left. A spawn failure, an unavailable required sandbox or processes that cannot be killed become a failed result
 * (the task then fails or retries like any failure). Issue 15: the task's prompt goes to the command's standard input
 * and `GANTRY_PROMPT_FILE` (an unreadable `prompt_file` fails the attempt without retry), with the attempt's
 * variables; its `gantry-usage` lines are recorded as they arrive, and one that puts a budget over stops the command
 * and makes the result a `BudgetStop`.
 */
async function runTool(ctx: RunContext, task: PlanTask, cwd: string, signal: AbortSignal): Promise<ProcessResult | ToolNotRun | BudgetStop> {
  const taskId = ctx.ids.task(task.id);
  const attemptNo = (await ctx.actors.load('task', taskId)).context.retry_count + 1;
  // Issue 13: what the attempt printed is kept (capped) for `gantry logs`, before its outcome is decided.
  const keep = (exitCode: number | null, stdout: string, stderr: string, truncated = { stdout: false, stderr: false }) =>
    recordAttemptOutput(ctx.db, { taskId, attempt: attemptNo, runId: ctx.ids.run, exitCode, stdout, stderr, stdoutTruncated: truncated.stdout, stderrTruncated: truncated.stderr });
  let prompt: AttemptPrompt | null = null;
  try {
    try {
      prompt = await writeAttemptPrompt(task, cwd);
    } catch (err) {
      if (!(err instanceof PromptFileError)) throw err;
      await keep(null, '', err.message);
      return { spawnError: err.message, notFound: null, retryable: false };
    }
    const left = await reapTagged({ prefix: workstreamTagPrefix(ctx, task.workstream) });
    if (left.length > 0) ctx.options.onNote?.(`task ${task.id}: killed ${left.length} process(es) of a lost attempt in its worktree before attempt ${attemptNo}`);
    const sandbox = await commandSandbox(ctx, task.sandbox ?? runSandbox(ctx.plan), cwd);
    // Issue 15: usage lines add up as they arrive; one that puts a budget over stops the attempt (its process group).
    const stop = new AbortController();
    const relay = (): void => stop.abort(signal.reason);
    if (signal.aborted) relay();
    else signal.addEventListener('abort', relay, { once: true });
    const meter = new UsageMeter(ctx, task, attemptNo, (reason) => stop.abort(new Error(reason)));
    const r = await runProcess({
      signal: stop.signal,
      onStdoutLine: (line) => meter.line(line),
      command: typeof task.command === 'string' ? task.command : [...task.command],
      cwd,
      env: { ...task.env, ...attemptEnv(ctx, task, cwd, attemptNo, prompt) },
      timeoutMs: task.timeout_sec * 1000,
      // The prompt's folder is made visible (read-only) inside the sandbox, whose /tmp is private.
      sandbox: sandbox && prompt ? { ...sandbox, readOnly: [...(sandbox.readOnly ?? []), prompt.dir] } : sandbox,
      attemptTag: attemptTag(ctx, task.workstream, task.id, attemptNo),
      ...(prompt ? { input: prompt.text } : {}),
      ...(ctx.options.killGraceMs !== undefined ? { killGraceMs: ctx.options.killGraceMs } : {}),
    }).finally(() => signal.removeEventListener('abort', relay));
    if (r.strays.length > 0) ctx.options.onNote?.(`task ${task.id}: killed ${r.strays.length} process(es) the attempt left running`);
    await keep(r.exitCode, r.stdout, r.stderr, { stdout: r.stdoutTruncated, stderr: r.stderrTruncated });
    const metered = await meter.settle();
    if (metered.breach !== null) return { budgetStop: metered.breach };
    return r;
  } catch (err) {
    if (!(err instanceof ExecError)) throw err;
    await keep(null, '', err.message);
    return { spawnError: err.message, notFound: err instanceof ProcessSpawnError ? programNotFound(task.command, err) : null };
  } finally {
    await removeAttemptPrompt(prompt);
  }
}

/**
 * What a worker does with a successful attempt's result before it reports it (issue 16, a remote worker: hand the diff
 * back through the database); null when done, else why the attempt fails instead (and whether a retry can help).
 */
export type HandBackStep = () => Promise<{ readonly error: string; readonly retryable: boolean } | null>;

/** A jitter draw in [0, 1] for the retry backoff (options.jitter, default Math.random). */
export function drawJitter(ctx: Pick<RunContext, 'options'>): number {
  return Math.min(1, Math.max(0, (ctx.options.jitter ?? Math.random)()));
}

/**
 * Sends an event whose target may have moved on meanwhile (another process decided it) when its machine still takes
 * it: false (nothing sent) when it does not, or when the entity left `expectedVersion`.
 */
async function sendIfStill<T extends EntityType>(ctx: RunContext, type: T, id: string, event: SendEventOf<T>, expectedVersion?: number): Promise<boolean> {
  return (await sendAccepted(ctx, type, id, [event], expectedVersion === undefined ? {} : { expectedVersion })) !== null;
}

/**
 * Aborts `controller` once the attempt (the task at `version`, running on `workerId`) was decided by someone else —
 * the watchdog, an operator override, a user cancel (SSOT §1.4: terminate the process) — so that its command stops
 * writing into a worktree that is being reset or reused. Looks every heartbeat interval; returns the stop function.
 */
function watchAttempt(ctx: RunContext, taskId: string, version: number, controller: AbortController): () => void {
  const timer = setInterval(() => {
    ctx.actors.load('task', taskId).then(
      (t) => {
        if (t.version !== version) controller.abort(new Error(`task ${taskId} was decided elsewhere (now ${t.state})`));
      },
      (err: unknown) => controller.abort(err),
    );
  }, Math.max(50, Math.min(heartbeatMs(ctx), 1000)));
  return () => clearInterval(timer);
}

/** {@link runTool} while {@link watchAttempt} looks whether the attempt was decided elsewhere. */
async function runWatched(ctx: RunContext, task: PlanTask, wt: string, taskId: string, version: number, controller: AbortController): Promise<ProcessResult | ToolNotRun | BudgetStop> {
  const stopWatching = watchAttempt(ctx, taskId, version, controller);
  return runTool(ctx, task, wt, controller.signal).finally(stopWatching);
}

/**
 * Runs a task that `workerId` has just claimed (the claim moved it `queued → running` with the worker's id): the
 * worker takes it (`task_assigned`, SSOT §1.5.6), its workstream starts executing if it was `ready`, the command runs
 * in the workstream's worktree `wt` with its deadline, the outcome goes to the task (`execution_completed`,
 * `execution_failed`, `timeout_exceeded`, SSOT §1.4), the worker is released (`task_completed`) and the tool's breaker
 * hears the call's outcome (SSOT §2.4). Shared by the engine's own workers and `gantry worker` processes. When the
 * attempt is pinned to `claimVersion` (the task's version the claim committed): when it is decided meanwhile by
 * someone else (its worker declared lost, an override, a cancel) the command is stopped and the late outcome dropped
 * (the breaker does not hear it either). Returns true when the command succeeded and its outcome counted.
 */
export async function runClaimedTask(ctx: RunContext, task: PlanTask, workerId: string, wt: string, claimVersion: number, opts: { handBack?: HandBackStep } = {}): Promise<boolean> {
  const id = ctx.ids.task(task.id);
  const wsId = ctx.ids.workstream(task.workstream);
  let ok = false;
  let dropped = false;
  let rejected = false;
  let error: string | undefined;
  await heartbeatIfStale(ctx, workerId, heartbeatMs(ctx)); // the can-assign rule wants a fresh heartbeat (R-6)
  const assigned: SendEventOf<'worker'> = { type: 'task_assigned', task_id: id, workstream_id: wsId, required_capabilities: [...task.requires] };
  if (!(await sendIfStill(ctx, 'worker', workerId, assigned))) {
    // The worker may not take it after all (shut down, lost, full): the attempt fails and the task retries elsewhere.
    const worker = await ctx.actors.load('worker', workerId);
    const error = clipReason(`worker ${workerId} could not take the task: its machine refuses task_assigned in state '${worker.state}' (load ${worker.context.current_load})`);
    await sendIfStill(ctx, 'task', id, { type: 'execution_failed', error, jitter: drawJitter(ctx) }, claimVersion);
    return false;
  }
  try {
    // The workstream starts executing when its machine takes `task_started` with these facts (from `ready`, a task running).
    await sendIfStill(ctx, 'workstream', wsId, { type: 'task_started', tasks: await taskFacts(ctx, task.workstream) });
    const controller = new AbortController();
    // SSOT §2.4: an OPEN breaker (or a HALF_OPEN one whose trial is another task's) rejects the call at once: the
    // attempt fails with the reason, the tool never runs, and the breaker hears nothing (no call was made).
    const refusal = await callRefusal(ctx, task);
    // Issue 15: a task, workstream or run already over budget starts no more attempts (the task fails, not retried).
    const overBudget = refusal === null ? await budgetRefusal(ctx, task) : null;
    const result = refusal !== null ? { refusal } : overBudget !== null ? { budgetStop: overBudget } : await runWatched(ctx, task, wt, id, claimVersion, controller);
    let outcome: SendEventOf<'task'>;
    // A program that is not found is not retried (retryable: false): retrying cannot make it exist.
    const notFound = 'refusal' in result || 'budgetStop' in result ? null : 'spawnError' in result ? result.notFound : programNotFound(task.command, result);
    if ('refusal' in result) {
      rejected = true;
      outcome = { type: 'execution_failed', error: result.refusal, jitter: drawJitter(ctx) };
    } else if ('budgetStop' in result) {
      // Not the tool's failure: its breaker hears nothing; not retried (a retry would spend more of the same budget).
      rejected = true;
      outcome = { type: 'execution_failed', error: clipReason(result.budgetStop), jitter: drawJitter(ctx), retryable: false };
    } else if ('spawnError' in result) {
      error = notFound ? `${notFound} (${result.spawnError})` : result.spawnError;
      outcome = { type: 'execution_failed', error: clipReason(error), jitter: drawJitter(ctx), ...(notFound || result.retryable === false ? { retryable: false } : {}) };
    } else if (result.timedOut) {
      error = `timed out after ${task.timeout_sec} s`;
      outcome = { type: 'timeout_exceeded', exit_code: result.exitCode, error, jitter: drawJitter(ctx) };
    } else if (result.exitCode !== null && task.expect_exit.includes(result.exitCode)) {
      // Issue 16: a remote worker hands its diff back (the `patches` row) before the attempt counts as completed.
      const refused = opts.handBack && !controller.signal.aborted ? await opts.handBack() : null;
      if (refused !== null) {
        rejected = true;
        outcome = { type: 'execution_failed', exit_code: result.exitCode, error: clipReason(refused.error), jitter: drawJitter(ctx), ...(refused.retryable ? {} : { retryable: false }) };
      } else {
        ok = true;
        outcome = { type: 'execution_completed', exit_code: result.exitCode };
      }
    } else {
      // NUL cannot be stored in jsonb (the audit's event): a task printing one must not stop the engine.
      error = `${notFound ? `${notFound}; ` : ''}exit code ${result.exitCode ?? result.signal}: ${result.stderr.slice(-2000).replaceAll('\0', '')}`.trim();
      outcome = { type: 'execution_failed', exit_code: result.exitCode, error: clipReason(error), jitter: drawJitter(ctx), ...(notFound ? { retryable: false } : {}) };
    }
    // Only this attempt may be decided by its outcome: the claim's version pins it (the watchdog, an override or a
    // cancel may have decided it, and a retry may be running on another worker by now).
    if (controller.signal.aborted || !(await sendIfStill(ctx, 'task', id, outcome, claimVersion))) dropped = true;
  } finally {
    // The worker is released after the task left `running`, so its slot never overlaps the next task's run. A worker
    // declared lost meanwhile no longer holds the task: nothing to release.
    await sendIfStill(ctx, 'worker', workerId, { type: 'task_completed', task_id: id });
  }
  if (dropped || rejected) return false;
  await reportCall(ctx, task, ok, error);
  return ok;
}
