import { resolve } from 'node:path';
import { assertRefArgument, runGit } from './run-git.js';

/**
 * Adds a linked worktree of `repo` at `path` with `branch` checked out. With `startPoint`, the
 * branch is created there (`git worktree add -b`; it must not exist yet); without, an existing
 * branch is checked out. Returns the absolute worktree path.
 */
export async function addWorktree(repo: string, path: string, branch: string, startPoint?: string): Promise<string> {
  assertRefArgument('branch', branch);
  const target = resolve(path);
  if (startPoint === undefined) {
    await runGit(repo, ['worktree', 'add', '--quiet', '--end-of-options', target, branch]);
  } else {
    assertRefArgument('start point', startPoint);
    await runGit(repo, ['worktree', 'add', '--quiet', '-b', branch, '--end-of-options', target, startPoint]);
  }
  return target;
}
