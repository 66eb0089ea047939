import { applyArgs, type ApplyOptions } from './apply-check.js';
import { PatchApplyError } from './errors.js';
import { runGit, type GitPlace } from './run-git.js';
import { worktreeRoot } from './worktree-root.js';

/**
 * `git apply` (with `--index` by default): applies `diff` at the top of the worktree containing
 * `dir`, all or nothing. A patch that does not apply is a `PatchApplyError` (with git's reason)
 * and leaves the tree untouched.
 */
export async function applyPatch(dir: GitPlace, diff: string, options: ApplyOptions = {}): Promise<void> {
  const root = typeof dir === 'string' ? await worktreeRoot(dir) : dir;
  const out = await runGit(root, applyArgs(options), { input: diff, okExitCodes: [1, 128] });
  if (out.exitCode !== 0) throw new PatchApplyError(await worktreeRoot(root), out.stderr.trim());
}
