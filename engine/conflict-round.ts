import { join } from 'node:path';
import { branchCommits, isAncestor, moveBranch, replayCommits, revParse } from '../git/index.js';
import { accepts, clipReason, isTerminal, MAX_CONFLICT_PATHS, type ConflictRound } from '../machines/index.js';
import { ledgerFacts, taskFacts } from './entity-facts.js';
import { ConflictRoundError } from './errors.js';
import { applyRerun, planRerun } from './rerun-workstream.js';
import type { RunContext } from './run-context.js';
import { runRoundGates } from './run-round-gates.js';
import { sendAccepted } from './send-accepted.js';
import { ensureWorktree, resetWorktree, worktreePlace } from './worktree.js';

/** What a step of a conflict round did: took an event (look again), waits for re-run tasks, or gated `head`. */
export type RoundStep = { readonly kind: 'next' } | { readonly kind: 'wait' } | { readonly kind: 'gated'; readonly head: string };

/**
 * A merge of `validating` workstream `ws` into the target branch conflicted in `paths` (or, `paths` empty, the target
 * moved while a round's gates ran), `cause` saying so: its machine decides what comes next, offered in this order —
 * `rebase_started` (EXT-7: `on_conflict: rebase` with a round left), `rerun_started` with the tasks whose patches touch
 * the paths (EXT-8: `rerun`, or `rebase` falling back, with a round left; then carried out, `applyRerun`), and else
 * `validation_failed` with the paths and why no round was taken (`on_conflict: fail`, or no round left).
 */
export async function startConflictRound(ctx: RunContext, ws: string, paths: readonly string[], cause: string): Promise<void> {
  const id = ctx.ids.workstream(ws);
  const clipped = paths.slice(0, MAX_CONFLICT_PATHS);
  const reason = clipReason(cause);
  if (await sendAccepted(ctx, 'workstream', id, [{ type: 'rebase_started', paths: clipped, reason }])) return;
  const view = await ctx.actors.load('workstream', id);
  // The machine is asked first whether a re-run may start at all (its guard does not look at the tasks): planning one replays commits.
  if (accepts('workstream', view.snapshot, { type: 'rerun_started', now: ctx.clock.now(), paths: clipped, rerun_tasks: [], reason })) {
    const rerunTasks = await planRerun(ctx, ws, paths);
    const sent = await sendAccepted(ctx, 'workstream', id, [{ type: 'rerun_started', paths: clipped, rerun_tasks: rerunTasks, reason }]);
    if (sent !== null) return void (await carryOutRerun(ctx, ws));
  }
  const c = view.context;
  const why = c.on_conflict === 'fail' ? 'on_conflict is fail' : `no conflict round left (${c.conflict_rounds} of max_conflict_rounds ${c.max_conflict_rounds} taken)`;
  await ctx.actors.send('workstream', id, { type: 'validation_failed', reason: clipReason(`${cause}; ${why}`), paths: clipped });
}

/** `applyRerun` for the workstream's open re-run round; a branch that cannot be rebuilt fails the workstream. */
async function carryOutRerun(ctx: RunContext, ws: string): Promise<void> {
  const id = ctx.ids.workstream(ws);
  const round = (await ctx.actors.load('workstream', id)).context.conflict!;
  const problem = await applyRerun(ctx, ws, round.round, round.rerun_tasks);
  if (problem !== null) await ctx.actors.send('workstream', id, { type: 'validation_failed', reason: clipReason(`conflict round ${round.round}: ${problem}`), paths: round.paths });
}

/**
 * One step of the workstream's open conflict round, from its persisted state (so a resumed run continues it):
 * - rebase not replayed yet: the branch's own commits are replayed onto the current target branch in a scratch
 *   worktree, the branch moved there (compare-and-swap) and `rebased` recorded; when the replay conflicts, the round
 *   falls back through {@link startConflictRound} (a re-run when the machine allows it);
 * - re-run not settled: the round is carried out (idempotent), then `rerun_settled` is offered with the tasks' facts
 *   (taken once every task completed again); when every task ended without that, the workstream fails; else it waits;
 * - replayed or settled: the workstream's command gates run again on the branch tip (`R.ws.gate.cN`); failing ones
 *   fail the workstream, passing ones return the gated head, which alone may be merged.
 */
export async function stepRound(ctx: RunContext, ws: string, round: ConflictRound): Promise<RoundStep> {
  const id = ctx.ids.workstream(ws);
  const repo = ctx.plan.run.repository;
  const branch = ctx.ids.branch(ws);
  if (round.step === 'rebase' && round.head === null) {
    const target = await revParse(repo, `refs/heads/${ctx.plan.run.target_branch}`);
    const tip = await revParse(repo, `refs/heads/${branch}`);
    // Replayed already when the branch sits on the target (a crash between the move and `rebased`).
    let head = tip;
    if (!(await isAncestor(repo, target, tip))) {
      const commits = (await branchCommits(repo, target, tip)).map((c) => c.sha);
      const r = await replayCommits(repo, join(ctx.stateDir, 'worktrees', ctx.ids.run, `${ws}.replay`), target, commits);
      if (!r.ok) {
        await startConflictRound(ctx, ws, r.paths, `conflict round ${round.round}: replaying ${branch} onto ${ctx.plan.run.target_branch} conflicts in ${r.paths.join(', ')}`);
        return { kind: 'next' };
      }
      if (!(await moveBranch(repo, branch, tip, r.head))) throw new ConflictRoundError(id, round.round, `${branch} moved during the rebase`);
      head = r.head;
    }
    await ctx.actors.send('workstream', id, { type: 'rebased', head, reason: `conflict round ${round.round}: ${branch} replayed onto ${ctx.plan.run.target_branch}` });
    return { kind: 'next' };
  }
  if (round.step === 'rerun' && !round.settled) {
    await carryOutRerun(ctx, ws);
    if ((await ctx.actors.load('workstream', id)).state !== 'validating') return { kind: 'next' };
    const tasks = await taskFacts(ctx, ws);
    if (await sendAccepted(ctx, 'workstream', id, [{ type: 'rerun_settled', tasks, ledger: await ledgerFacts(ctx, ws) }])) return { kind: 'next' };
    if (!tasks.every((t) => isTerminal('task', t.state))) return { kind: 'wait' };
    const bad = tasks.filter((t) => t.state !== 'completed').map((t) => `${t.id} ${t.state}`);
    await ctx.actors.send('workstream', id, { type: 'validation_failed', reason: clipReason(`conflict round ${round.round}: re-run tasks ended without completing: ${bad.join(', ')}`), paths: round.paths });
    return { kind: 'next' };
  }
  // The tree to merge: the branch tip, in a worktree reset to it; its gates run there.
  const head = await revParse(repo, `refs/heads/${branch}`);
  if (round.head !== null && round.head !== head) throw new ConflictRoundError(id, round.round, `${branch} is at ${head}, not at the replayed ${round.head}`);
  const wt = await ensureWorktree(ctx, ws, { lockHeld: true });
  const dirs = (await worktreePlace(ctx, ws, wt)).dirs;
  await resetWorktree(dirs, head);
  const gates = await runRoundGates(ctx, ws, round.round, wt);
  await resetWorktree((await worktreePlace(ctx, ws, wt)).dirs, head); // whatever the gates wrote is not merged
  if (gates.failed.length > 0) {
    const reason = `conflict round ${round.round} (${round.step}): gates failed on the tree to merge: ${gates.failed.join(', ')}`;
    await ctx.actors.send('workstream', id, { type: 'validation_failed', reason: clipReason(reason), paths: round.paths });
    return { kind: 'next' };
  }
  return { kind: 'gated', head };
}

