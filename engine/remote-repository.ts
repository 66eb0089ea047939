import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { advanceTargetHead, revParse, fetchFromRemote, initRepo, pushToRemote, RemoteTargetMovedError, RemoteTransportError, remoteBranchHead, runGit, type GitDirs } from '../git/index.js';
import { clipReason } from '../machines/index.js';
import { attemptBase, recordAttemptBase, storedPatchWithBase, type Database } from '../persistence/index.js';
import type { Kysely } from 'kysely';
import type { Plan, PlanTask } from '../plan/index.js';
import { RunSetupError } from './errors.js';
import type { RunContext } from './run-context.js';

/** The engine's own clone of a run's remote (issue 16): `<stateDir>/remotes/<run>`. */
export function engineClonePath(stateDir: string, runId: string): string {
  return join(stateDir, 'remotes', runId);
}

/**
 * The plan the engine works with: with `run.remote` and no `run.repository`, the repository is the engine's clone in
 * the state directory ({@link engineClonePath}); every other plan as it is.
 */
export function withEngineClone(plan: Plan, stateDir: string): Plan {
  if (plan.run.remote === undefined || plan.run.repository !== '') return plan;
  return { ...plan, run: { ...plan.run, repository: engineClonePath(stateDir, plan.run.id) } };
}

/**
 * Makes the engine's clone of the remote for a new run (issue 16): created when missing, the remote's target branch
 * fetched into it (with a timeout, only the remote's transport allowed) and checked out. A `RunSetupError` naming the
 * remote and git's reason when it cannot be reached or has no such branch. Nothing without `run.remote`.
 */
export async function prepareEngineClone(plan: Plan): Promise<void> {
  const url = plan.run.remote;
  if (url === undefined) return;
  const repo = plan.run.repository;
  const target = plan.run.target_branch;
  try {
    if (!(await access(join(repo, '.git')).then(() => true, () => false))) await initRepo(repo, { initialBranch: target });
    await fetchFromRemote(repo, url, [`+refs/heads/${target}:refs/heads/${target}`], { updateHeadOk: true });
    await runGit(repo, ['checkout', '--quiet', '--force', target]);
    await runGit(repo, ['reset', '--hard', '--quiet', target]);
  } catch (err) {
    if (!(err instanceof RemoteTransportError)) throw err;
    throw new RunSetupError(`run ${plan.run.id}: cannot fetch branch '${target}' of remote ${url} into ${repo}: ${err.reason}`, { cause: err });
  }
}

/**
 * Names the commit an attempt starts from (issue 16): with `run.remote`, the workstream's integration branch at
 * `base` is pushed to the remote (forced: the branch is Gantry's) so that workers elsewhere can fetch it, and `base`
 * is recorded for the attempt in `task_attempt_bases` — with the push's failure as `publish_error` when the remote
 * cannot be reached (the worker that claims the attempt then fails it with that reason). Nothing without a remote.
 */
export async function publishAttemptBase(ctx: RunContext, task: PlanTask, dirs: GitDirs, base: string): Promise<void> {
  const url = ctx.plan.run.remote;
  if (url === undefined) return;
  const id = ctx.ids.task(task.id);
  const attempt = (await ctx.actors.load('task', id)).context.retry_count + 1;
  let publishError: string | null = null;
  try {
    await pushToRemote(dirs, url, [`+${base}:refs/heads/${ctx.ids.branch(task.workstream)}`]);
  } catch (err) {
    if (!(err instanceof RemoteTransportError)) throw err;
    publishError = clipReason(`the engine could not push the integration branch to the remote: ${err.message}`);
    ctx.options.onNote?.(`task ${task.id}: ${publishError}`);
  }
  await recordAttemptBase(ctx.db, { taskId: id, attempt, runId: ctx.ids.run, baseCommit: base, publishError }, new Date(ctx.clock.now()));
}

/**
 * Before a merge into the target branch (issue 16): the remote's target branch must still be at `before`, where
 * Gantry left it; else a `RemoteTargetMovedError` naming both commits. Nothing without a remote.
 */
export async function assertRemoteTargetAt(ctx: RunContext, before: string): Promise<void> {
  const url = ctx.plan.run.remote;
  if (url === undefined) return;
  const head = await remoteBranchHead(ctx.plan.run.repository, url, ctx.plan.run.target_branch);
  if (head !== before) throw new RemoteTargetMovedError(url, ctx.plan.run.target_branch, before, head);
}

/**
 * After a merge moved the target branch from `before` to `after` (issue 16): pushed to the remote, only while the
 * remote's branch is still at `before` (`--force-with-lease`). When the push is refused or fails, the merge is undone
 * in the engine's clone (branch and record back at `before`) and the error says why: a `RemoteTargetMovedError`
 * naming both commits when the branch moved meanwhile, else the transport's. Nothing without a remote.
 */
export async function pushMergedTarget(ctx: RunContext, before: string, after: string): Promise<void> {
  const url = ctx.plan.run.remote;
  if (url === undefined || before === after) return;
  const repo = ctx.plan.run.repository;
  const target = ctx.plan.run.target_branch;
  try {
    await pushToRemote(repo, url, [`${after}:refs/heads/${target}`], { lease: { ref: `refs/heads/${target}`, expected: before } });
  } catch (err) {
    if (!(err instanceof RemoteTransportError)) throw err;
    await runGit(repo, ['reset', '--hard', '--quiet', before]); // the target is checked out in the engine's clone (mergeBranch)
    await advanceTargetHead(repo, target, after, before);
    const head = await remoteBranchHead(repo, url, target).catch(() => before);
    if (head !== before) throw new RemoteTargetMovedError(url, target, before, head);
    throw err;
  }
}

/**
 * After a crash between a merge and its push (the merge found done on resume): pushes the target branch when the
 * remote is still at the merge's first parent (where Gantry left it), as {@link pushMergedTarget}; nothing when the
 * remote has it already or the run has no remote.
 */
export async function republishMergedTarget(ctx: RunContext): Promise<void> {
  const url = ctx.plan.run.remote;
  if (url === undefined) return;
  const repo = ctx.plan.run.repository;
  const target = ctx.plan.run.target_branch;
  const after = await revParse(repo, `refs/heads/${target}`);
  if ((await remoteBranchHead(repo, url, target)) === after) return;
  await pushMergedTarget(ctx, await revParse(repo, `${after}^1`), after);
}

/** What a remote worker handed back for an attempt (issue 16): its diff, and why the ledger refuses it (or null). */
export interface HandedBack {
  readonly diff: string;
  /** Why the patch is refused (a base other than the one the engine named), or null. */
  readonly refusal: string | null;
}

/**
 * What a remote worker handed back through the database for attempt `attempt` of task `taskId` (issue 16), judged
 * against `base`, the commit the engine named for it: null when no worker handed it back (the engine's own worker ran
 * it, in the engine's worktree); else the stored diff (empty: no patch row, nothing changed) with a refusal when the
 * attempt's recorded base or the patch's base is not `base`. The engine takes the diff from here, never from a path of
 * the worker.
 */
export async function judgeHandBack(db: Kysely<Database>, a: { readonly taskId: string; readonly attempt: number; readonly ledgerId: string; readonly base: string }): Promise<HandedBack | null> {
  const named = await attemptBase(db, a.taskId, a.attempt);
  if (named === null || named.handedBackBy === null) return null;
  const patch = await storedPatchWithBase(db, a.ledgerId);
  const diff = patch?.diff ?? '';
  if (named.baseCommit !== a.base) return { diff, refusal: `base: attempt ${a.attempt} was named base ${named.baseCommit}, but the engine's worktree is at ${a.base}` };
  if (patch !== null && patch.baseCommit !== a.base) {
    return { diff, refusal: `base: the patch of ${named.handedBackBy} was made on ${patch.baseCommit ?? '(no base recorded)'}, not on ${a.base}, the commit the engine named` };
  }
  return { diff, refusal: null };
}

/** {@link judgeHandBack} for the current attempt of `task` in a run with `run.remote`; null without a remote. */
export async function handedBackPatch(ctx: RunContext, task: PlanTask, base: string): Promise<HandedBack | null> {
  if (ctx.plan.run.remote === undefined) return null;
  const taskId = ctx.ids.task(task.id);
  const attempt = (await ctx.actors.load('task', taskId)).context.retry_count + 1;
  return judgeHandBack(ctx.db, { taskId, attempt, ledgerId: ctx.ids.ledger(task.id, attempt), base });
}
