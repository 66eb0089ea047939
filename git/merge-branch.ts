import { conflictedPaths } from './conflicted-paths.js';
import { currentBranch } from './current-branch.js';
import { GitCommandError, MergeConflictError } from './errors.js';
import { revParse } from './rev-parse.js';
import { assertRefArgument, runGit } from './run-git.js';

/**
 * Merges branch `source` into branch `target` in `repo` with a merge commit (`--no-ff`, even when
 * a fast-forward is possible) and returns the sha of `target` afterwards. When `repo` has another
 * branch checked out it switches to `target` first (git refuses if that would lose changes, or
 * if `target` is checked out in another worktree: merge in the worktree that has it). On
 * conflicts the merge is aborted, leaving `repo` as it was, and a `MergeConflictError` names the
 * paths. When `source` is already merged, nothing is committed and the current sha is returned.
 */
export async function mergeBranch(repo: string, target: string, source: string, message: string): Promise<string> {
  assertRefArgument('target branch', target);
  assertRefArgument('source branch', source);
  if ((await currentBranch(repo)) !== target) await runGit(repo, ['switch', '--quiet', '--no-guess', '--end-of-options', target]);
  const args = ['merge', '--no-ff', '--no-edit', '--no-verify', '-m', message, '--end-of-options', source];
  const out = await runGit(repo, args, { okExitCodes: [1] });
  if (out.exitCode === 1) {
    const paths = await conflictedPaths(repo);
    const failure = new GitCommandError(repo, args, 1, `${out.stdout}${out.stderr}`);
    if (await mergeInProgress(repo)) await runGit(repo, ['merge', '--abort']);
    if (paths.length === 0) throw failure;
    throw new MergeConflictError(repo, target, source, paths, { cause: failure });
  }
  return revParse(repo, 'HEAD');
}

async function mergeInProgress(repo: string): Promise<boolean> {
  const head = await runGit(repo, ['rev-parse', '--verify', '--quiet', 'MERGE_HEAD'], { okExitCodes: [1] });
  return head.exitCode === 0;
}
