import { access, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { addWorktree, branchExists, checkWorktree, isClean, removeWorktree, restoreWorktree, runGit, WorktreeTamperedError, type GitDirs, type GitPlace } from '../git/index.js';
import type { RunContext } from './run-context.js';

/** Puts a worktree back at `base` (default HEAD): tracked changes and the tool's commits undone, untracked files removed (ignored ones kept). */
export async function resetWorktree(worktree: GitPlace, base = 'HEAD'): Promise<void> {
  await runGit(worktree, ['reset', '--hard', '--quiet', base]);
  await runGit(worktree, ['clean', '-fd', '--quiet']);
}

/** A workstream worktree addressed explicitly, and what the task changed in its git metadata (restored already). */
export interface WorktreePlace {
  readonly dirs: GitDirs;
  /** Why the worktree's git metadata was not what Gantry made (the task's failure reason), or null. */
  readonly tampered: string | null;
}

/**
 * The explicit git directories of workstream `ws`'s worktree `wt` (git/worktree-git-dirs.ts): every git call Gantry
 * makes on a task's working copy goes through them, so a `.git` file or HEAD a task rewrote never redirects a
 * `reset --hard` onto another branch. What the task changed is put back (the `.git` file, HEAD on the integration
 * branch) and reported in `tampered`; a worktree no record names is a `WorktreeTamperedError`.
 */
export async function worktreePlace(ctx: RunContext, ws: string, wt: string): Promise<WorktreePlace> {
  const branch = ctx.ids.branch(ws);
  const check = await checkWorktree(ctx.plan.run.repository, wt, branch);
  // A lock a task's git left behind (killed mid-command) would stop every later git call there; nobody else works here.
  await rm(join(check.dirs.gitDir, 'index.lock'), { force: true });
  if (check.problems.length === 0) return { dirs: check.dirs, tampered: null };
  await restoreWorktree(check.dirs, branch);
  return { dirs: check.dirs, tampered: `the task changed its worktree's git metadata: ${check.problems.join('; ')}` };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/**
 * The workstream's worktree, created on first use under `<stateDir>/worktrees/<run>/<ws>` on a new integration
 * branch `gantry/<run>/<ws>` from the run's target branch — at that moment, so it holds what the workstreams it
 * depends on already merged. After a restart (resume) the branch already exists: a missing worktree is recreated on
 * it (stale worktree records pruned first) and a dirty one is reset to the branch tip, unless `keepDirty`. Repository
 * git operations take turns through the run's lock, unless `lockHeld` says the caller holds it already.
 */
export async function ensureWorktree(ctx: RunContext, ws: string, opts: { keepDirty?: boolean; lockHeld?: boolean } = {}): Promise<string> {
  const known = ctx.worktrees.get(ws);
  if (known) return known;
  if (opts.lockHeld === true) return addOrRecover(ctx, ws, opts); // the caller holds the run's lock (a workstream's merge)
  return ctx.lock.run(() => addOrRecover(ctx, ws, opts)); // repository-level git operations take turns (parallel lanes)
}

async function addOrRecover(ctx: RunContext, ws: string, opts: { keepDirty?: boolean }): Promise<string> {
  const repo = ctx.plan.run.repository;
  const path = join(ctx.stateDir, 'worktrees', ctx.ids.run, ws);
  await mkdir(dirname(path), { recursive: true });
  let abs: string;
  if (!(await branchExists(repo, ctx.ids.branch(ws)))) abs = await addWorktree(repo, path, ctx.ids.branch(ws), ctx.plan.run.target_branch);
  else if (await exists(join(path, '.git'))) {
    abs = path;
    const place = (await worktreePlace(ctx, ws, abs)).dirs;
    if (!opts.keepDirty && !(await isClean(place))) await resetWorktree(place);
  } else {
    await runGit(repo, ['worktree', 'prune']);
    abs = await addWorktree(repo, path, ctx.ids.branch(ws));
  }
  ctx.worktrees.set(ws, abs);
  return abs;
}

/**
 * Removes the workstream's worktree (its branch stays); nothing when it has none. Its git metadata is put back
 * first ({@link worktreePlace}), so that `git worktree remove` works on what Gantry made, not on what a task left.
 */
export async function dropWorktree(ctx: RunContext, ws: string): Promise<void> {
  const path = ctx.worktrees.get(ws);
  if (!path) return;
  try {
    await worktreePlace(ctx, ws, path);
  } catch (err) {
    if (!(err instanceof WorktreeTamperedError)) throw err; // no record of it left: `worktree remove` says what it can
  }
  await removeWorktree(ctx.plan.run.repository, path, { force: true });
  ctx.worktrees.delete(ws);
}
