import { revParse } from './rev-parse.js';
import { assertRefArgument, runGit } from './run-git.js';

/** Namespace where archived branches are kept: out of `git branch`, still reachable (never garbage-collected). */
export const ARCHIVE_REF_PREFIX = 'refs/gantry/archive/';

/**
 * Moves branch `name` out of the way: its commit is kept under `refs/gantry/archive/<name>`
 * (suffixed `-2`, `-3`, … when that exists) and the branch is deleted. The branch must not be
 * checked out in any worktree (remove the worktree first). An archive ref already holding the branch's commit (a
 * crash between creating it and deleting the branch) is kept rather than doubled. Returns the archive ref.
 */
export async function archiveBranch(repo: string, name: string): Promise<string> {
  assertRefArgument('branch', name);
  const sha = await revParse(repo, `refs/heads/${name}`);
  let ref = `${ARCHIVE_REF_PREFIX}${name}`;
  let kept = false;
  for (let n = 2; await refExists(repo, ref); n++) {
    // Archived already, the branch not yet deleted (a crash between the two steps): that archive is this one.
    if ((await revParse(repo, ref)) === sha) {
      kept = true;
      break;
    }
    ref = `${ARCHIVE_REF_PREFIX}${name}-${n}`;
  }
  // Create the archive ref only if it does not exist yet (empty old value), then delete the branch only if unmoved.
  if (!kept) await runGit(repo, ['update-ref', '--no-deref', ref, sha, '']);
  await runGit(repo, ['update-ref', '-d', `refs/heads/${name}`, sha]);
  return ref;
}

/** The newest archive ref of branch `name` ({@link archiveBranch}: the highest suffix), or null when it was never archived. */
export async function archivedRef(repo: string, name: string): Promise<string | null> {
  assertRefArgument('branch', name);
  let found: string | null = null;
  for (let n = 1, ref = `${ARCHIVE_REF_PREFIX}${name}`; await refExists(repo, ref); ref = `${ARCHIVE_REF_PREFIX}${name}-${++n}`) found = ref;
  return found;
}

async function refExists(repo: string, ref: string): Promise<boolean> {
  const out = await runGit(repo, ['show-ref', '--verify', '--quiet', ref], { okExitCodes: [1] });
  return out.exitCode === 0;
}
