import { clipReason } from '../machines/index.js';
import { archiveWorkstream } from './archive-workstream.js';
import { mergeWorkstream } from './merge-workstream.js';
import { ledgerFacts, stateMap, taskFacts } from './entity-facts.js';
import { isTerminal, type RunContext } from './run-context.js';

/**
 * Cancels the tasks of a settled workstream that never ran, in plan order: `dependency_failed` when one of its
 * dependencies failed or was cancelled, else `user_cancelled` with the reason (EXT-2).
 */
async function cancelOpenTasks(ctx: RunContext, ws: string, reason: string): Promise<void> {
  for (const taskId of ctx.order.tasks) {
    const task = ctx.plan.tasks.find((t) => t.id === taskId)!;
    if (task.workstream !== ws) continue;
    const id = ctx.ids.task(task.id);
    if (isTerminal('task', (await ctx.actors.load('task', id)).state)) continue;
    const dependencies = await stateMap(ctx, 'task', task.depends_on.map(ctx.ids.task));
    if (Object.values(dependencies).some((s) => s === 'failed' || s === 'cancelled')) {
      await ctx.actors.send('task', id, { type: 'dependency_failed', dependencies, reason: 'a dependency failed or was cancelled' });
    } else await ctx.actors.send('task', id, { type: 'user_cancelled', reason });
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
 * Re-evaluates a `blocked` workstream against its dependencies: all `completed` → `dependencies_met`; one `failed`
 * or `cancelled` → `dependency_failed`; all terminal but one `skipped` (never completes) → `cancel` with the reason.
 */
export async function refreshDependencies(ctx: RunContext, ws: string): Promise<void> {
  const plan = ctx.plan.workstreams.find((w) => w.id === ws)!;
  const id = ctx.ids.workstream(ws);
  if ((await ctx.actors.load('workstream', id)).state !== 'blocked') return;
  const dependencies = await stateMap(ctx, 'workstream', plan.depends_on.map(ctx.ids.workstream));
  const states = Object.values(dependencies);
  if (states.every((s) => s === 'completed')) return void (await ctx.actors.send('workstream', id, { type: 'dependencies_met', dependencies }));
  if (states.some((s) => s === 'failed' || s === 'cancelled')) {
    await ctx.actors.send('workstream', id, { type: 'dependency_failed', dependencies, reason: 'a workstream it depends on failed or was cancelled' });
  } else if (states.every((s) => isTerminal('workstream', s))) {
    await ctx.actors.send('workstream', id, { type: 'cancel', reason: 'a workstream it depends on was skipped and never completes' });
  } else return;
  await afterWorkstreamSettled(ctx, ws);
}

/**
 * Derives a workstream from its tasks and ledger entries through its own edges (SSOT §1.3.4, §3.2), incrementally
 * after one of its tasks settled: a quarantined ledger entry → `patch_quarantined`; a critical task failed →
 * `critical_task_failed`; every task completed and every entry verified/committed → `tasks_completed` and the merge;
 * every task terminal otherwise (a non-critical failure, or nothing ever ran) → `cancel` with the reason, since no
 * edge leads from `executing` or `ready` to `failed` for it. Returns the workstream's state.
 */
export async function deriveWorkstream(ctx: RunContext, ws: string): Promise<string> {
  const id = ctx.ids.workstream(ws);
  const view = await ctx.actors.load('workstream', id);
  if (view.state === 'validating') await mergeWorkstream(ctx, ws); // left here by a crash before the merge (resume)
  else if (view.state !== 'executing' && view.state !== 'ready') return view.state;
  const tasks = await taskFacts(ctx, ws);
  const ledger = await ledgerFacts(ctx, ws);
  if (view.state === 'validating') {
    // merged above
  } else if (view.state === 'executing' && ledger.some((l) => l.state === 'quarantined')) {
    await ctx.actors.send('workstream', id, { type: 'patch_quarantined', ledger, reason: 'a patch of the workstream was quarantined' });
  } else if (view.state === 'executing' && tasks.some((t) => t.critical && t.state === 'failed')) {
    await ctx.actors.send('workstream', id, { type: 'critical_task_failed', tasks });
  } else if (view.state === 'executing' && tasks.every((t) => t.state === 'completed') && ledger.every((l) => l.state === 'verified' || l.state === 'committed')) {
    await ctx.actors.send('workstream', id, { type: 'tasks_completed', tasks, ledger });
    await mergeWorkstream(ctx, ws);
  } else if (tasks.every((t) => isTerminal('task', t.state))) {
    const bad = tasks.filter((t) => t.state !== 'completed').map((t) => `${t.id} ${t.state}`);
    await ctx.actors.send('workstream', id, { type: 'cancel', reason: clipReason(`tasks settled without completing: ${bad.join(', ') || 'no task ran'}`) });
  } else return view.state;
  await afterWorkstreamSettled(ctx, ws);
  return (await ctx.actors.load('workstream', id)).state;
}
