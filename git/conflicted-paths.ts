import { runGit } from './run-git.js';

/** Paths with unresolved conflicts in `dir`'s index (after a merge, revert or cherry-pick stopped). */
export async function conflictedPaths(dir: string): Promise<string[]> {
  const out = await runGit(dir, ['diff', '--name-only', '--no-ext-diff', '--no-textconv', '--diff-filter=U', '-z']);
  return [...new Set(out.stdout.split('\0').filter((p) => p !== ''))];
}
