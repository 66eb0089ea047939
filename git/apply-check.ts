import { runGit, type GitPlace } from './run-git.js';
import { worktreeRoot } from './worktree-root.js';

/** Options shared by `applyCheck` and `applyPatch`. */
export interface ApplyOptions {
  /** Check against / update the index as well as the files (`--index`; default true): the files must match the index. */
  readonly index?: boolean;
}

/** Whether a patch applies, and git's reason when it does not. */
export interface ApplyCheckResult {
  readonly ok: boolean;
  /** git's stderr when the patch does not apply (conflict, corrupt patch, unsafe path), else null. */
  readonly reason: string | null;
}

/** `git apply` arguments common to checking and applying: quiet about whitespace, patch on stdin. */
export function applyArgs(options: ApplyOptions): string[] {
  return ['apply', ...((options.index ?? true) ? ['--index'] : []), '--whitespace=nowarn', '-'];
}

/**
 * `git apply --check`: whether `diff` applies cleanly at the top of the worktree containing
 * `dir`, changing nothing. Run at the top level on purpose: from a subdirectory, git apply
 * silently skips the paths outside it. A patch that conflicts, is corrupt, or touches a path git
 * itself refuses (`.git/…`, outside the tree) gives `ok: false`; `dir` not being a worktree is a
 * `GitCommandError`.
 */
export async function applyCheck(dir: GitPlace, diff: string, options: ApplyOptions = {}): Promise<ApplyCheckResult> {
  const root = typeof dir === 'string' ? await worktreeRoot(dir) : dir;
  const [apply, ...rest] = applyArgs(options);
  const out = await runGit(root, [apply!, '--check', ...rest], { input: diff, okExitCodes: [1, 128] });
  return out.exitCode === 0 ? { ok: true, reason: null } : { ok: false, reason: out.stderr.trim() };
}
