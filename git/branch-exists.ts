import { assertRefArgument, runGit } from './run-git.js';

/** Whether `refs/heads/<name>` exists in `repo`. */
export async function branchExists(repo: string, name: string): Promise<boolean> {
  assertRefArgument('branch', name);
  const out = await runGit(repo, ['show-ref', '--verify', '--quiet', `refs/heads/${name}`], { okExitCodes: [1] });
  return out.exitCode === 0;
}
