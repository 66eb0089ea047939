import { runGit } from './run-git.js';

/** The top-level directory of the worktree containing `dir`; a `GitCommandError` when `dir` is not in one. */
export async function worktreeRoot(dir: string): Promise<string> {
  const out = await runGit(dir, ['rev-parse', '--show-toplevel']);
  return out.stdout.replace(/\n$/, '');
}
