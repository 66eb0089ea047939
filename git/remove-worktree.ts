import { resolve } from 'node:path';
import { runGit } from './run-git.js';

/** Options for `removeWorktree`. */
export interface RemoveWorktreeOptions {
  /** Remove even with uncommitted or untracked changes (default true: a task's worktree is disposable). */
  readonly force?: boolean;
}

/** Removes the linked worktree at `path` (its branch stays) and prunes stale worktree records of `repo`. */
export async function removeWorktree(repo: string, path: string, options: RemoveWorktreeOptions = {}): Promise<void> {
  const force = options.force ?? true;
  // Twice --force also removes a locked worktree.
  await runGit(repo, ['worktree', 'remove', ...(force ? ['--force', '--force'] : []), '--end-of-options', resolve(path)]);
  await runGit(repo, ['worktree', 'prune']);
}
