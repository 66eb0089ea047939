import { runGit, type GitPlace } from './run-git.js';

/** Whether `dir` has no staged, unstaged or untracked change (ignored files do not count) and no merge in progress. */
export async function isClean(dir: GitPlace): Promise<boolean> {
  const status = await runGit(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignore-submodules=none']);
  if (status.stdout !== '') return false;
  const merging = await runGit(dir, ['rev-parse', '--verify', '--quiet', 'MERGE_HEAD'], { okExitCodes: [1] });
  return merging.exitCode === 1;
}
