import { conflictedPaths } from './conflicted-paths.js';
import { GitCommandError, RevertConflictError } from './errors.js';
import { revParse } from './rev-parse.js';
import { assertRefArgument, runGit } from './run-git.js';

/** Options for `revertCommit`. */
export interface RevertOptions {
  /** For a merge commit: the parent number to revert to (1 = the branch merged into). */
  readonly mainline?: number;
}

/**
 * `git revert` of commit `sha` on the branch checked out in `dir` (the compensation action
 * `git_revert`, SSOT §2.5.3); returns the sha of the new revert commit. On conflicts the revert
 * is aborted, leaving the branch as it was, and a `RevertConflictError` names the paths.
 */
export async function revertCommit(dir: string, sha: string, options: RevertOptions = {}): Promise<string> {
  assertRefArgument('commit', sha);
  const mainline = options.mainline === undefined ? [] : ['--mainline', String(options.mainline)];
  const args = ['revert', '--no-edit', ...mainline, '--end-of-options', sha];
  const out = await runGit(dir, args, { okExitCodes: [1] });
  if (out.exitCode === 1) {
    const paths = await conflictedPaths(dir);
    const failure = new GitCommandError(dir, args, 1, `${out.stdout}${out.stderr}`);
    const inProgress = await runGit(dir, ['rev-parse', '--verify', '--quiet', 'REVERT_HEAD'], { okExitCodes: [1] });
    if (inProgress.exitCode === 0) await runGit(dir, ['revert', '--abort']);
    if (paths.length === 0) throw failure;
    throw new RevertConflictError(dir, sha, paths, { cause: failure });
  }
  return revParse(dir, 'HEAD');
}
