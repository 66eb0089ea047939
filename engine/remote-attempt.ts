import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkoutRemoteCommit, diffWorktree, parseDiffPaths, refreshCloneConfig, type GitDirs } from '../git/index.js';
import { clipReason } from '../machines/index.js';
import { attemptBase, recordHandBack, type AttemptBase } from '../persistence/index.js';
import type { PlanTask } from '../plan/index.js';
import { ledgerStepError } from './ledger-step-error.js';
import { drawJitter, runClaimedTask, type HandBackStep } from './run-claimed-task.js';
import type { RunContext } from './run-context.js';
import { sendAccepted } from './send-accepted.js';
import { sleep } from './sleep.js';

/** Where a `gantry worker --work-dir DIR` keeps its clones of a remote (issue 16). */
export interface RemoteWorkOptions {
  /** The worker's own folder: one clone per run and workstream, `<dir>/<run>/<ws>/tree` (its git dir beside it, `…/git`). */
  readonly workDir: string;
  /** How long a claimed attempt waits for the engine to name its base commit; default 120,000 ms. */
  readonly baseWaitMs?: number;
}

/** Removes a worker's clones of run `runId` (the run ended, or the process left it); nothing when there are none. */
export async function dropRemoteClones(workDir: string, runId: string): Promise<void> {
  await rm(join(workDir, runId), { recursive: true, force: true });
}

/** The clone a worker runs tasks of workstream `ws` of run `runId` in: the work tree and its git dir (outside it). */
export function remoteClonePlace(workDir: string, runId: string, ws: string): { readonly workTree: string; readonly gitDir: string } {
  return { workTree: join(workDir, runId, ws, 'tree'), gitDir: join(workDir, runId, ws, 'git') };
}

/** Waits until the engine named the attempt's base: the base, 'decided' when the attempt was decided meanwhile, null after `ms`. */
async function waitForBase(ctx: RunContext, taskId: string, attempt: number, claimVersion: number, ms: number): Promise<AttemptBase | 'decided' | null> {
  const deadline = ctx.clock.now() + ms;
  for (;;) {
    const named = await attemptBase(ctx.db, taskId, attempt);
    if (named !== null) return named;
    if ((await ctx.actors.load('task', taskId)).version !== claimVersion) return 'decided';
    if (ctx.clock.now() > deadline) return null;
    await sleep(50);
  }
}

/** The paths a diff touches, or none when it does not parse (the engine's format check reports that). */
function pathsOf(diff: string): string[] {
  try {
    return parseDiffPaths(diff);
  } catch {
    return [];
  }
}

/** Hands the attempt's change back: the diff against `base` stored as its `patches` row, with the base (issue 16). */
function handBackStep(ctx: RunContext, task: PlanTask, workerId: string, dirs: GitDirs, named: AttemptBase): HandBackStep {
  return async () => {
    try {
      await refreshCloneConfig(dirs); // what the task wrote into the clone's config does not count
      const diff = await diffWorktree(dirs, named.baseCommit);
      const bytes = Buffer.byteLength(diff, 'utf8');
      const max = ctx.plan.patch_rules.max_bytes;
      if (bytes > max) return { error: `patch refused: it is ${bytes} bytes, over patch_rules.max_bytes (${max})`, retryable: false };
      const patch = diff === '' ? null : { id: ctx.ids.ledger(task.id, named.attempt), workstreamId: ctx.ids.workstream(task.workstream), runId: ctx.ids.run, diff, files: pathsOf(diff), baseCommit: named.baseCommit };
      await recordHandBack(ctx.db, { taskId: named.taskId, attempt: named.attempt, workerId, patch }, new Date(ctx.clock.now()));
      return null;
    } catch (err) {
      const reason = ledgerStepError(err); // git refusing what the task made: the attempt's failure; a database error stops the worker
      if (reason === null) throw err;
      return { error: `worker ${workerId} cannot make the patch: ${reason}`, retryable: true };
    }
  };
}

/**
 * Runs a task a `gantry worker` process claimed in a run with `run.remote` (issue 16), sharing no folder with the
 * engine: waits for the base commit the engine names for the attempt (`task_attempt_bases`), puts the worker's own
 * clone at exactly that commit ({@link checkoutRemoteCommit}: fetched from the remote with a timeout, reset and
 * cleaned), runs the task there ({@link runClaimedTask}, sandboxed as anywhere, the rest of the worker's folder hidden) and, when it succeeded, hands its diff
 * back through the database (`patches`, with its base) before reporting it. The engine validates, applies, gates and
 * commits it. A remote that cannot be reached, a base the engine could not publish or a commit not there fails the
 * attempt (pinned to the claim) with the reason, and it retries like any failure. Returns true when the task
 * succeeded and its outcome counted.
 */
export async function runRemoteAttempt(ctx: RunContext, task: PlanTask, workerId: string, claimVersion: number, opts: RemoteWorkOptions): Promise<boolean> {
  const url = ctx.plan.run.remote!;
  const taskId = ctx.ids.task(task.id);
  const failAttempt = async (error: string): Promise<false> => {
    await sendAccepted(ctx, 'task', taskId, [{ type: 'execution_failed', error: clipReason(error), jitter: drawJitter(ctx) }], { expectedVersion: claimVersion });
    return false;
  };
  const attempt = (await ctx.actors.load('task', taskId)).context.retry_count + 1;
  const waitMs = opts.baseWaitMs ?? 120_000;
  const named = await waitForBase(ctx, taskId, attempt, claimVersion, waitMs);
  if (named === 'decided') return false;
  if (named === null) return failAttempt(`the engine named no base commit for attempt ${attempt} within ${waitMs} ms`);
  if (named.publishError !== null) return failAttempt(named.publishError);
  let dirs: GitDirs;
  try {
    dirs = await checkoutRemoteCommit({ url, branch: ctx.ids.branch(task.workstream), commit: named.baseCommit, ...remoteClonePlace(opts.workDir, ctx.ids.run, task.workstream) });
  } catch (err) {
    const reason = ledgerStepError(err);
    if (reason === null) throw err;
    return failAttempt(`worker ${workerId} could not check out ${named.baseCommit}: ${reason}`);
  }
  // The sandbox shows the task its own clone only: the worker's folder (its other clones, their git dirs) is hidden,
  // as the engine's state directory is on the engine's host.
  const here: RunContext = { ...ctx, options: { ...ctx.options, sandboxHide: [...(ctx.options.sandboxHide ?? []), opts.workDir] } };
  return runClaimedTask(here, task, workerId, dirs.workTree, claimVersion, { handBack: handBackStep(ctx, task, workerId, dirs, named) });
}
