import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { addWorktree, removeWorktree, runGit } from '../git/index.js';
import type { RunContext } from './run-context.js';

/** Puts a worktree back at `base` (default HEAD): tracked changes and the tool's commits undone, untracked files removed (ignored ones kept). */
export async function resetWorktree(worktree: string, base = 'HEAD'): Promise<void> {
  await runGit(worktree, ['reset', '--hard', '--quiet', base]);
  await runGit(worktree, ['clean', '-fd', '--quiet']);
}

/**
 * The workstream's worktree, created on first use under `<stateDir>/worktrees/<run>/<ws>` on a new integration
 * branch `gantry/<run>/<ws>` from the run's target branch — at that moment, so it holds what the workstreams it
 * depends on already merged.
 */
export async function ensureWorktree(ctx: RunContext, ws: string): Promise<string> {
  const known = ctx.worktrees.get(ws);
  if (known) return known;
  const path = join(ctx.stateDir, 'worktrees', ctx.ids.run, ws);
  await mkdir(dirname(path), { recursive: true });
  const abs = await addWorktree(ctx.plan.run.repository, path, ctx.ids.branch(ws), ctx.plan.run.target_branch);
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
