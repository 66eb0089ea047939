import { runGit, type GitPlace } from './run-git.js';

/** The top-level directory (a `GitDirs` place: its `workTree`) of the worktree containing `dir`; a `GitCommandError` when `dir` is not in one. */
export async function worktreeRoot(dir: GitPlace): Promise<string> {
  if (typeof dir !== 'string') return dir.workTree; // addressed explicitly: its work tree is the top level
  const out = await runGit(dir, ['rev-parse', '--show-toplevel']);
  return out.stdout.replace(/\n$/, '');
}
