import { TargetBranchMovedError } from './errors.js';
import { revParse } from './rev-parse.js';
import { assertRefArgument, runGit } from './run-git.js';

/** Where Gantry records, per branch, the head it last started from or moved the branch to: `refs/gantry/target/<branch>`. */
export const TARGET_RECORD_PREFIX = 'refs/gantry/target/';

function recordRef(branch: string): string {
  assertRefArgument('branch', branch);
  return `${TARGET_RECORD_PREFIX}${branch}`;
}

/** The head of `branch` Gantry recorded last, or null when none was recorded. */
export async function recordedTargetHead(repo: string, branch: string): Promise<string | null> {
  const out = await runGit(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${recordRef(branch)}^{commit}`], { okExitCodes: [1] });
  return out.exitCode === 0 ? out.stdout.trim() : null;
}

/** Records the current head of `branch` as the one Gantry starts from (a new run); returns it. */
export async function recordTargetHead(repo: string, branch: string): Promise<string> {
  const head = await revParse(repo, `refs/heads/${branch}`);
  await runGit(repo, ['update-ref', '-m', 'gantry: run started from here', recordRef(branch), head]);
  return head;
}

/**
 * Moves the record of `branch` from `from` to `to` after Gantry itself moved the branch (a merge, a rollback), only
 * if it still says `from` (compare-and-swap; a record someone else changed meanwhile is left for
 * {@link assertTargetUnmoved} to report). True when it moved.
 */
export async function advanceTargetHead(repo: string, branch: string, from: string, to: string): Promise<boolean> {
  assertRefArgument('commit', from);
  assertRefArgument('commit', to);
  const out = await runGit(repo, ['update-ref', '-m', 'gantry: moved the branch', recordRef(branch), to, from], { okExitCodes: [1, 128] });
  return out.exitCode === 0;
}

/**
 * Checks, before Gantry merges into `branch`, that nothing it did not put there is on it: the branch head must be
 * the one recorded when the run started or Gantry last moved it. Anything else (a commit a task or a person made
 * on the branch, a reset) is a `TargetBranchMovedError` naming both commits. A branch with no record (a run started
 * before records existed) is recorded as it is. Returns the head.
 */
export async function assertTargetUnmoved(repo: string, branch: string): Promise<string> {
  const head = await revParse(repo, `refs/heads/${branch}`);
  const recorded = await recordedTargetHead(repo, branch);
  if (recorded === null) return recordTargetHead(repo, branch);
  if (recorded !== head) throw new TargetBranchMovedError(repo, branch, recorded, head);
  return head;
}
