import { runGit } from './run-git.js';

/** The short name of the branch checked out in `dir`, or null when HEAD is detached. */
export async function currentBranch(dir: string): Promise<string | null> {
  const out = await runGit(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1] });
  return out.exitCode === 1 ? null : out.stdout.trim();
}
