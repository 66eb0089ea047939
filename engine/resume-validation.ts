import { applyPatch, diffWorktree } from '../git/index.js';
import { storedAttempt } from '../persistence/index.js';
import type { PlanTask } from '../plan/index.js';
import { pickUetWorker, releaseSlot } from './pick-worker.js';
import type { RunContext } from './run-context.js';
import { continueValidation, createLedger, ownCommit } from './validate-task.js';
import { ensureWorktree, resetWorktree, worktreePlace } from './worktree.js';

/**
 * Continues the validation of a task found `validating` after a restart (docs/design/engine.md §3 step 4), from the persisted
 * state: the attempt's patch comes from `patches` (or, when the crash came before it was stored, from the worktree,
 * which still holds the tool's change); the worktree is put back where the ledger state says it was — clean for
 * created/validated/queued/apply_failed, the patch applied for applied/verified (unless the task's commit was already
 * made) — and the pipeline continues by the ledger's own edges. Gates left RUNNING run their command again.
 */
export async function resumeValidation(ctx: RunContext, task: PlanTask): Promise<string> {
  const id = ctx.ids.task(task.id);
  const attemptNo = (await ctx.actors.load('task', id)).context.retry_count + 1;
  const ledgerId = ctx.ids.ledger(task.id, attemptNo);
  const wt = await ensureWorktree(ctx, task.workstream, { keepDirty: true });
  const dirs = (await worktreePlace(ctx, task.workstream, wt)).dirs; // what the task changed in its git metadata is put back
  const uet = await pickUetWorker(ctx);
  await ctx.actors.send('uet_worker', uet, { type: 'task_assigned', task_id: id });
  try {
    const stored = await storedAttempt(ctx.db, ledgerId);
    const diff = stored.diff ?? (await diffWorktree(dirs, 'HEAD'));
    if (diff !== '' && stored.ledgerState === null) await createLedger(ctx, task, ledgerId, diff);
    const state = stored.ledgerState ?? 'created';
    const committed = state === 'verified' && (await ownCommit(ctx, task, dirs)) !== null;
    if (!committed) await resetWorktree(dirs);
    if (diff !== '' && (state === 'applied' || (state === 'verified' && !committed))) await applyPatch(dirs, diff);
    return await continueValidation(ctx, task, wt, diff === '' ? null : ledgerId, diff, attemptNo);
  } finally {
    await ctx.actors.send('uet_worker', uet, { type: 'task_completed', task_id: id });
    releaseSlot(ctx, uet);
  }
}
