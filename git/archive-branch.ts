import { revParse } from './rev-parse.js';
import { assertRefArgument, runGit } from './run-git.js';

/** Namespace where archived branches are kept: out of `git branch`, still reachable (never garbage-collected). */
export const ARCHIVE_REF_PREFIX = 'refs/gantry/archive/';

/**
 * Moves branch `name` out of the way: its commit is kept under `refs/gantry/archive/<name>`
 * (suffixed `-2`, `-3`, … when that exists) and the branch is deleted. The branch must not be
 * checked out in any worktree (remove the worktree first). Returns the archive ref.
 */
export async function archiveBranch(repo: string, name: string): Promise<string> {
  assertRefArgument('branch', name);
  const sha = await revParse(repo, `refs/heads/${name}`);
  let ref = `${ARCHIVE_REF_PREFIX}${name}`;
  for (let n = 2; await refExists(repo, ref); n++) ref = `${ARCHIVE_REF_PREFIX}${name}-${n}`;
  // Create the archive ref only if it does not exist yet (empty old value), then delete the branch only if unmoved.
  await runGit(repo, ['update-ref', '--no-deref', ref, sha, '']);
  await runGit(repo, ['update-ref', '-d', `refs/heads/${name}`, sha]);
  return ref;
}

async function refExists(repo: string, ref: string): Promise<boolean> {
  const out = await runGit(repo, ['show-ref', '--verify', '--quiet', ref], { okExitCodes: [1] });
  return out.exitCode === 0;
}
