import { clipReason, isTerminal, type SendEventOf } from '../machines/index.js';
import { archiveWorkstream } from './archive-workstream.js';
import { mergeWorkstream } from './merge-workstream.js';
import { ledgerFacts, stateMap, taskFacts } from './entity-facts.js';
import type { RunContext } from './run-context.js';
import { sendAccepted } from './send-accepted.js';

/**
 * Cancels the tasks of a settled workstream that never ran, in plan order (EXT-2): each is offered `dependency_failed`
 * with its dependencies' states (its machine takes it when one of them failed or was cancelled, R-3), else
 * `user_cancelled` with the reason; a task that already ended takes neither.
 */
async function cancelOpenTasks(ctx: RunContext, ws: string, reason: string): Promise<void> {
  for (const taskId of ctx.order.tasks) {
    const task = ctx.plan.tasks.find((t) => t.id === taskId)!;
    if (task.workstream !== ws) continue;
    const dependencies = await stateMap(ctx, 'task', task.depends_on.map(ctx.ids.task));
    await sendAccepted(ctx, 'task', ctx.ids.task(task.id), [
      { type: 'dependency_failed', dependencies, reason: 'a dependency failed or was cancelled' },
      { type: 'user_cancelled', reason },
    ]);
  }
}

/**
 * After a workstream reached a terminal state: its open tasks are cancelled, a failed or cancelled one is archived,
 * and the workstreams that depend on it are re-evaluated (`dependencies_met`, `dependency_failed` R-3/EXT-1).
 */
export async function afterWorkstreamSettled(ctx: RunContext, ws: string): Promise<void> {
  const state = (await ctx.actors.load('workstream', ctx.ids.workstream(ws))).state;
  await cancelOpenTasks(ctx, ws, `workstream ${state}`);
  if (state === 'failed' || state === 'cancelled') await archiveWorkstream(ctx, ws);
  for (const dep of ctx.plan.workstreams.filter((w) => w.depends_on.includes(ws))) await refreshDependencies(ctx, dep.id);
}

/**
 * Re-evaluates a workstream waiting on its dependencies by offering its machine their states: `dependencies_met`
 * (taken from `blocked` when all completed), `dependency_failed` (taken when one failed or was cancelled, R-3/EXT-1),
 * and — once every dependency ended and one of them will never complete (skipped) — `cancel` with the reason. A
 * workstream that settled here is followed up ({@link afterWorkstreamSettled}).
 */
export async function refreshDependencies(ctx: RunContext, ws: string): Promise<void> {
  const plan = ctx.plan.workstreams.find((w) => w.id === ws)!;
  const id = ctx.ids.workstream(ws);
  if (plan.depends_on.length === 0) return;
  const dependencies = await stateMap(ctx, 'workstream', plan.depends_on.map(ctx.ids.workstream));
  const states = Object.values(dependencies);
  const candidates: SendEventOf<'workstream'>[] = [
    { type: 'dependencies_met', dependencies },
    { type: 'dependency_failed', dependencies, reason: 'a workstream it depends on failed or was cancelled' },
  ];
  // Not a guard of the machine (`cancel` has none): the engine's rule for a dependency that ended without completing.
  if (states.every((s) => isTerminal('workstream', s)) && states.some((s) => s !== 'completed')) {
    candidates.push({ type: 'cancel', reason: 'a workstream it depends on was skipped and never completes' });
  }
  const sent = await sendAccepted(ctx, 'workstream', id, candidates);
  if (sent !== null && isTerminal('workstream', sent.to)) await afterWorkstreamSettled(ctx, ws);
}

/**
 * Derives a workstream from its tasks and ledger entries through its own edges (SSOT §1.3.4, §3.2), incrementally
 * after one of its tasks settled: its machine is offered, in this order, `patch_quarantined` (a quarantined ledger
 * entry), `critical_task_failed` (a critical task failed) and `tasks_completed` (every task completed and every entry
 * verified/committed; then the merge) with the facts, and takes the first its guards accept; once every task ended
 * and none of those applied (a non-critical failure, or nothing ever ran) it is offered `cancel` with the reason,
 * since no edge leads from `executing` or `ready` to `failed` for it. Returns the workstream's state.
 */
export async function deriveWorkstream(ctx: RunContext, ws: string): Promise<string> {
  const id = ctx.ids.workstream(ws);
  const view = await ctx.actors.load('workstream', id);
  if (view.state === 'validating') {
    // Left here by a crash before the merge (resume), or in a conflict round whose re-run tasks ran (EXT-8).
    await mergeWorkstream(ctx, ws);
    return settledState(ctx, ws);
  }
  if (isTerminal('workstream', view.state)) return view.state;
  const tasks = await taskFacts(ctx, ws);
  const ledger = await ledgerFacts(ctx, ws);
  const incomplete = tasks.filter((t) => t.state !== 'completed').map((t) => `${t.id} ${t.state}`);
  const candidates: SendEventOf<'workstream'>[] = [
    { type: 'patch_quarantined', ledger, reason: 'a patch of the workstream was quarantined' },
    { type: 'critical_task_failed', tasks },
    { type: 'tasks_completed', tasks, ledger },
    // EXT-5: the machine takes it once every task ended and one of them failed.
    { type: 'tasks_settled', tasks, reason: clipReason(`tasks ended without all completing: ${incomplete.join(', ')}`) },
  ];
  // D-1: every task ended, none failed, some were cancelled (by an operator, or for a failure elsewhere): `cancel`
  // has no guard, so this is the engine's rule; the reason names the cancelled tasks.
  if (tasks.every((t) => isTerminal('task', t.state))) candidates.push({ type: 'cancel', reason: clipReason(`tasks cancelled before completing: ${incomplete.join(', ')}`) });
  const sent = await sendAccepted(ctx, 'workstream', id, candidates);
  if (sent === null) return view.state;
  if (sent.event === 'tasks_completed') await mergeWorkstream(ctx, ws);
  return settledState(ctx, ws);
}

/** The workstream's state, followed up ({@link afterWorkstreamSettled}) when terminal (a conflict round may keep it `validating`). */
async function settledState(ctx: RunContext, ws: string): Promise<string> {
  const state = (await ctx.actors.load('workstream', ctx.ids.workstream(ws))).state;
  if (isTerminal('workstream', state)) await afterWorkstreamSettled(ctx, ws);
  return state;
}
