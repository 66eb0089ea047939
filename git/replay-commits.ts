import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { conflictedPaths } from './conflicted-paths.js';
import { GitCommandError } from './errors.js';
import { revParse } from './rev-parse.js';
import { assertRefArgument, runGit } from './run-git.js';

/** What {@link replayCommits} made: the new tip, or the commit that conflicted and the conflicting paths. */
export type ReplayResult = { readonly ok: true; readonly head: string } | { readonly ok: false; readonly commit: string; readonly paths: string[] };

/**
 * Replays `commits` (oldest first) onto commit `onto`, each cherry-picked with its author and message (one whose change
 * is already there is kept, empty), in a scratch detached worktree at `scratch` and returns the new tip; no branch
 * moves, so a crash half way changes nothing but the scratch worktree, which the next call removes first. On a
 * conflict the cherry-pick is aborted and the result names the commit and the conflicting paths. The scratch
 * worktree is removed afterwards in every case.
 */
export async function replayCommits(repo: string, scratch: string, onto: string, commits: readonly string[]): Promise<ReplayResult> {
  assertRefArgument('commit', onto);
  const dir = resolve(scratch);
  await dropScratch(repo, dir);
  await runGit(repo, ['worktree', 'add', '--quiet', '--detach', '--end-of-options', dir, onto]);
  try {
    for (const commit of commits) {
      assertRefArgument('commit', commit);
      const args = ['cherry-pick', '--keep-redundant-commits', '--allow-empty', '--end-of-options', commit];
      const out = await runGit(dir, args, { okExitCodes: [1] });
      if (out.exitCode === 0) continue;
      const paths = await conflictedPaths(dir);
      await runGit(dir, ['cherry-pick', '--abort'], { okExitCodes: [128] });
      if (paths.length === 0) throw new GitCommandError(dir, args, 1, `${out.stdout}${out.stderr}`);
      return { ok: false, commit, paths };
    }
    return { ok: true, head: await revParse(dir, 'HEAD') };
  } finally {
    await dropScratch(repo, dir);
  }
}

/** Removes the scratch worktree at `dir` (and its record), whatever state a crash left it in; nothing when absent. */
async function dropScratch(repo: string, dir: string): Promise<void> {
  await runGit(repo, ['worktree', 'remove', '--force', '--force', '--end-of-options', dir], { okExitCodes: [128] });
  await rm(dir, { recursive: true, force: true });
  await runGit(repo, ['worktree', 'prune']);
}
