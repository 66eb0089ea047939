import { revParse } from './rev-parse.js';
import { assertRefArgument, runGit } from './run-git.js';
import { isAncestor } from './is-ancestor.js';
import { advanceTargetHead, recordedTargetHead } from './target-record.js';

/**
 * Whether branch `source` is already merged into `target` — what a crash inside a merge can leave behind, judged
 * before merging again so that a workstream is merged exactly once:
 * - the target's head is Gantry's own merge commit (subject `message`, first parent the recorded head of
 *   git/target-record.ts, second parent `source`'s tip) while the record still names its first parent: the engine
 *   died between moving the branch and moving the record. That is our merge, not a move from outside: the record is
 *   advanced to it (compare-and-swap) and the answer is true;
 * - the record names the head and `source`'s tip is already in it (merged, or nothing to merge): true;
 * - otherwise false: not merged yet, or a foreign move, which `assertTargetUnmoved` then reports.
 */
export async function mergedByUs(repo: string, target: string, source: string, message: string): Promise<boolean> {
  assertRefArgument('target branch', target);
  assertRefArgument('source branch', source);
  const head = await revParse(repo, `refs/heads/${target}`);
  const tip = await revParse(repo, `refs/heads/${source}`);
  const recorded = await recordedTargetHead(repo, target);
  if (recorded === null) return false;
  if (recorded === head) return isAncestor(repo, tip, head);
  const parents = (await runGit(repo, ['rev-list', '--parents', '--max-count=1', '--end-of-options', head])).stdout.trim().split(' ').slice(1);
  const subject = (await runGit(repo, ['log', '-1', '--format=%s', '--end-of-options', head])).stdout.trim();
  if (parents.length !== 2 || parents[0] !== recorded || parents[1] !== tip || subject !== message) return false;
  return advanceTargetHead(repo, target, recorded, head);
}
