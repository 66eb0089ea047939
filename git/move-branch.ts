import { assertRefArgument, runGit } from './run-git.js';

/**
 * Moves branch `branch` from commit `from` to commit `to` (compare-and-swap: false, nothing changed, when the branch
 * is no longer at `from`).
 */
export async function moveBranch(repo: string, branch: string, from: string, to: string): Promise<boolean> {
  assertRefArgument('branch', branch);
  assertRefArgument('commit', from);
  assertRefArgument('commit', to);
  const out = await runGit(repo, ['update-ref', '-m', 'gantry: conflict round', `refs/heads/${branch}`, to, from], { okExitCodes: [1, 128] });
  return out.exitCode === 0;
}
