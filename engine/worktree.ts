import { access, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { addWorktree, branchExists, isClean, removeWorktree, runGit } from '../git/index.js';
import type { RunContext } from './run-context.js';

/** Puts a worktree back at `base` (default HEAD): tracked changes and the tool's commits undone, untracked files removed (ignored ones kept). */
export async function resetWorktree(worktree: string, base = 'HEAD'): Promise<void> {
  await runGit(worktree, ['reset', '--hard', '--quiet', base]);
  await runGit(worktree, ['clean', '-fd', '--quiet']);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/**
 * The workstream's worktree, created on first use under `<stateDir>/worktrees/<run>/<ws>` on a new integration
 * branch `gantry/<run>/<ws>` from the run's target branch — at that moment, so it holds what the workstreams it
 * depends on already merged. After a restart (resume) the branch already exists: a missing worktree is recreated on
 * it (stale worktree records pruned first) and a dirty one is reset to the branch tip, unless `keepDirty`.
 */
export async function ensureWorktree(ctx: RunContext, ws: string, opts: { keepDirty?: boolean } = {}): Promise<string> {
  const known = ctx.worktrees.get(ws);
  if (known) return known;
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
    if (!opts.keepDirty && !(await isClean(abs))) await resetWorktree(abs);
  } else {
    await runGit(repo, ['worktree', 'prune']);
    abs = await addWorktree(repo, path, ctx.ids.branch(ws));
  }
  ctx.worktrees.set(ws, abs);
  return abs;
}

/** Removes the workstream's worktree (its branch stays); nothing when it has none. */
export async function dropWorktree(ctx: RunContext, ws: string): Promise<void> {
  const path = ctx.worktrees.get(ws);
  if (!path) return;
  await removeWorktree(ctx.plan.run.repository, path, { force: true });
  ctx.worktrees.delete(ws);
}
