import { applyArgs, type ApplyOptions } from './apply-check.js';
import { PatchApplyError } from './errors.js';
import { runGit } from './run-git.js';
import { worktreeRoot } from './worktree-root.js';

/**
 * `git apply` (with `--index` by default): applies `diff` at the top of the worktree containing
 * `dir`, all or nothing. A patch that does not apply is a `PatchApplyError` (with git's reason)
 * and leaves the tree untouched.
 */
export async function applyPatch(dir: string, diff: string, options: ApplyOptions = {}): Promise<void> {
  const root = await worktreeRoot(dir);
  const out = await runGit(root, applyArgs(options), { input: diff, okExitCodes: [1, 128] });
  if (out.exitCode !== 0) throw new PatchApplyError(root, out.stderr.trim());
}
