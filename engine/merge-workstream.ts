import { advanceTargetHead, assertTargetUnmoved, isAncestor, mergeBranch, mergedByUs, MergeConflictError, revParse, TargetBranchMovedError, withBranchLock } from '../git/index.js';
import { clipReason } from '../machines/index.js';
import { startConflictRound, stepRound } from './conflict-round.js';
import { ConflictRoundError } from './errors.js';
import { ledgerStepError } from './ledger-step-error.js';
import type { RunContext } from './run-context.js';
import { assertRemoteTargetAt, pushMergedTarget, republishMergedTarget } from './remote-repository.js';
import { dropWorktree } from './worktree.js';

/** How long a merge waits for a rollback holding the target branch (its gates may take a while): 15 minutes. */
const MERGE_LOCK_WAIT_MS = 15 * 60_000;

/** How one merge attempt ended: merged, conflicting (or the target moved past a round's gated tree), or failed. */
type MergeOutcome = { readonly kind: 'merged' } | { readonly kind: 'conflict'; readonly paths: readonly string[]; readonly reason: string } | { readonly kind: 'failed'; readonly reason: string };

/**
 * One merge of the integration branch into the target branch, under the branch lock (an emergency rollback in another
 * process keeps off meanwhile). A merge a crash cut short is recognised as done ({@link mergedByUs}), never made
 * twice. With `gated` (a conflict round's head whose tree passed the workstream's gates) the branch must still be at
 * it and the target branch an ancestor of it, so that the merge commit's tree is exactly the gated tree (checked
 * after); a target that moved meanwhile is a conflict with no paths (another round).
 */
async function mergeOnce(ctx: RunContext, ws: string, gated: string | null, round: number): Promise<MergeOutcome> {
  const repo = ctx.plan.run.repository;
  const target = ctx.plan.run.target_branch;
  const branch = ctx.ids.branch(ws);
  const message = `Merge workstream ${ws} of run ${ctx.ids.run} (gantry)`;
  try {
    return await withBranchLock(repo, target, { holder: `gantry run ${ctx.ids.run} (merge of ${ws})`, waitMs: MERGE_LOCK_WAIT_MS }, async (): Promise<MergeOutcome> => {
      // A crash inside the merge (resume) may have merged it already: never merged twice; pushed again if remote.
      if (await mergedByUs(repo, target, branch, message)) {
        await republishMergedTarget(ctx);
        return { kind: 'merged' };
      }
      const before = await assertTargetUnmoved(repo, target);
      await assertRemoteTargetAt(ctx, before); // issue 16: nor one that moved on the remote (engine/remote-repository.ts)
      if (gated !== null) {
        const tip = await revParse(repo, `refs/heads/${branch}`);
        if (tip !== gated) throw new ConflictRoundError(ctx.ids.workstream(ws), round, `${branch} moved after its gates ran (${gated} → ${tip})`);
        if (!(await isAncestor(repo, before, gated))) {
          return { kind: 'conflict', paths: [], reason: `conflict round ${round}: ${target} moved while the gates ran; the gated tree is not what a merge would make` };
        }
      }
      const after = await mergeBranch(repo, target, branch, message);
      if (gated !== null) {
        const [merged, checked] = [await revParse(repo, `${after}^{tree}`), await revParse(repo, `${gated}^{tree}`)];
        if (merged !== checked) throw new ConflictRoundError(ctx.ids.workstream(ws), round, `the merged tree ${merged} is not the gated tree ${checked}`);
      }
      await advanceTargetHead(repo, target, before, after);
      await pushMergedTarget(ctx, before, after);
      return { kind: 'merged' };
    });
  } catch (err) {
    if (err instanceof MergeConflictError) return { kind: 'conflict', paths: err.paths, reason: err.message };
    if (err instanceof TargetBranchMovedError) return { kind: 'failed', reason: err.message };
    const reason = ledgerStepError(err);
    if (reason === null) throw err;
    return { kind: 'failed', reason };
  }
}

/**
 * `validating` → merge the integration branch into the target branch → `validation_passed {merged: true}`. A merge
 * that conflicts starts a conflict round as the workstream's `on_conflict` and its machine allow (EXT-7 rebase, EXT-8
 * re-run; engine/conflict-round.ts), else `validation_failed` with the conflicting paths; a round's tree is merged
 * only once the workstream's gates passed on exactly that tree. A target branch that moved outside Gantry
 * (git/target-record.ts: never merged over) or git refusing the merge → `validation_failed` with the reason.
 * Resumable at every step from the machine's context. Returns while re-run tasks still have to run (the workstream
 * stays `validating`, its lane runs them).
 */
export async function mergeWorkstream(ctx: RunContext, ws: string): Promise<void> {
  const id = ctx.ids.workstream(ws);
  for (;;) {
    const view = await ctx.actors.load('workstream', id);
    if (view.state !== 'validating') return;
    const round = view.context.conflict;
    let gated: string | null = null;
    if (round !== null) {
      const step = await stepRound(ctx, ws, round);
      if (step.kind === 'wait') return;
      if (step.kind === 'next') continue;
      gated = step.head;
    }
    const outcome = await mergeOnce(ctx, ws, gated, round?.round ?? 0);
    if (outcome.kind === 'merged') {
      const reason = round === null ? undefined : `merged after conflict round ${round.round} (${round.step})`;
      await ctx.actors.send('workstream', id, { type: 'validation_passed', merged: true, ...(reason ? { reason } : {}) });
      await dropWorktree(ctx, ws);
      return;
    }
    if (outcome.kind === 'failed') return void (await ctx.actors.send('workstream', id, { type: 'validation_failed', reason: clipReason(outcome.reason) }));
    await startConflictRound(ctx, ws, outcome.paths, outcome.reason);
  }
}
