import { assertRefArgument, runGit } from './run-git.js';

/** Whether commit `a` is an ancestor of (or equal to) commit `b` in `repo`. */
export async function isAncestor(repo: string, a: string, b: string): Promise<boolean> {
  assertRefArgument('commit', a);
  assertRefArgument('commit', b);
  const out = await runGit(repo, ['merge-base', '--is-ancestor', '--end-of-options', a, b], { okExitCodes: [1] });
  return out.exitCode === 0;
}
