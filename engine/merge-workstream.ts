import { advanceTargetHead, assertTargetUnmoved, mergeBranch, mergedByUs, MergeConflictError, TargetBranchMovedError, withBranchLock } from '../git/index.js';
import { clipReason } from '../machines/index.js';
import { ledgerStepError } from './ledger-step-error.js';
import type { RunContext } from './run-context.js';
import { dropWorktree } from './worktree.js';
import { assertRemoteTargetAt, pushMergedTarget, republishMergedTarget } from './remote-repository.js';

/** How long a merge waits for a rollback holding the target branch (its gates may take a while): 15 minutes. */
const MERGE_LOCK_WAIT_MS = 15 * 60_000;

/**
 * `validating` → merge the integration branch into the target branch → `validation_passed {merged: true}` (a merge a
 * crash cut short is recognised as done, {@link mergedByUs}, and not made twice); a
 * conflict, a target branch that moved outside Gantry (git/target-record.ts: never merged over), or git refusing
 * the merge → `validation_failed` with the reason.
 */
export async function mergeWorkstream(ctx: RunContext, ws: string): Promise<void> {
  const id = ctx.ids.workstream(ws);
  try {
    // The branch lock keeps an emergency rollback (ops/rollback-patch.ts, another process) off the target branch meanwhile.
    const repo = ctx.plan.run.repository;
    const target = ctx.plan.run.target_branch;
    const message = `Merge workstream ${ws} of run ${ctx.ids.run} (gantry)`;
    await withBranchLock(repo, target, { holder: `gantry run ${ctx.ids.run} (merge of ${ws})`, waitMs: MERGE_LOCK_WAIT_MS }, async () => {
      // A crash inside the merge (resume) may have merged it already: never merged twice (git/merged-by-us.ts).
      if (await mergedByUs(repo, target, ctx.ids.branch(ws), message)) return void (await republishMergedTarget(ctx));
      const before = await assertTargetUnmoved(repo, target);
      await assertRemoteTargetAt(ctx, before); // issue 16: nor one that moved on the remote (engine/remote-repository.ts)
      const after = await mergeBranch(repo, target, ctx.ids.branch(ws), message);
      await advanceTargetHead(repo, target, before, after);
      await pushMergedTarget(ctx, before, after);
    });
    await ctx.actors.send('workstream', id, { type: 'validation_passed', merged: true });
    await dropWorktree(ctx, ws);
  } catch (err) {
    const reason = err instanceof MergeConflictError || err instanceof TargetBranchMovedError ? err.message : ledgerStepError(err);
    if (reason === null) throw err;
    await ctx.actors.send('workstream', id, { type: 'validation_failed', reason: clipReason(reason) });
  }
}
