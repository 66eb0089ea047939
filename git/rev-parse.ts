import { assertRefArgument, runGit, type GitPlace } from './run-git.js';

/** The full object name (sha) that `rev` names in `dir`; a `GitCommandError` when it names nothing. */
export async function revParse(dir: GitPlace, rev: string): Promise<string> {
  assertRefArgument('revision', rev);
  const out = await runGit(dir, ['rev-parse', '--verify', '--end-of-options', rev]);
  return out.stdout.trim();
}
