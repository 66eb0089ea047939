import { accepts, clipReason } from '../machines/index.js';
import { OptimisticLockError } from '../persistence/index.js';
import type { PlanTask } from '../plan/index.js';
import { stateMap } from './entity-facts.js';
import type { RunContext } from './run-context.js';

/** Whether the task's last transition is an operator's `unblock-task` override (SSOT §5.2): that decision stands. */
async function unblockedByOperator(ctx: RunContext, id: string): Promise<boolean> {
  return (await ctx.actors.history('task', id)).at(-1)?.trigger === 'unblock-task';
}

/**
 * Keeps a waiting task's `blocked` state true to its dependencies (SSOT §1.4, §3.1 rule 2, §8.4): a `pending` task
 * some of whose dependencies are not satisfied takes `dependency_check_failed` (→ `blocked`, `blocked_by` recorded);
 * a `blocked` one whose blockers are all satisfied takes `dependency_satisfied` (→ `pending`). The machine decides
 * from the facts (dependency states) whether either applies; a dependency that failed or was cancelled is left to
 * `dependency_failed` (EXT-2) when the task is scheduled. A task an operator unblocked (`override unblock-task`) is
 * not blocked again: it waits `pending` until its dependencies are satisfied. Returns the task's state.
 */
export async function refreshBlockers(ctx: RunContext, task: PlanTask): Promise<string> {
  const id = ctx.ids.task(task.id);
  const view = await ctx.actors.load('task', id);
  const facts = { dependencies: await stateMap(ctx, 'task', task.depends_on.map(ctx.ids.task)), gates: {} };
  const now = ctx.clock.now();
  if (accepts('task', view.snapshot, { type: 'dependency_failed', now, ...facts })) return view.state;
  // Its machine takes at most one of them (`pending` blocks, `blocked` unblocks), and neither in another state.
  const type = (['dependency_check_failed', 'dependency_satisfied'] as const).find((t) => accepts('task', view.snapshot, { type: t, now, ...facts }));
  if (type === undefined) return view.state;
  if (type === 'dependency_check_failed' && (await unblockedByOperator(ctx, id))) return view.state;
  const reason = clipReason(`dependencies: ${Object.entries(facts.dependencies).map(([d, s]) => `${d} ${s}`).join(', ')}`);
  try {
    return (await ctx.actors.send('task', id, { type, ...facts, reason }, { expectedVersion: view.version })).to;
  } catch (err) {
    // Moved meanwhile by someone else (an operator's override): the next look decides again on its new state.
    if (err instanceof OptimisticLockError) return (await ctx.actors.load('task', id)).state;
    throw err;
  }
}
