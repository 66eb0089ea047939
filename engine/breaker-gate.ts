import { clipReason, cooldownRemainingMs, InvalidTransitionError } from '../machines/index.js';
import type { PlanTask } from '../plan/index.js';
import type { RunContext } from './run-context.js';
import { sleep } from './sleep.js';

/**
 * Waits until the task's tool breaker lets a call through (SSOT §2.4): while it is OPEN the task is not started;
 * when the cooldown is over the engine sends `cooldown_elapsed` (OPEN → HALF_OPEN) and the task is the trial call.
 */
export async function waitForBreaker(ctx: RunContext, task: PlanTask): Promise<void> {
  const id = ctx.ids.breaker(task.tool);
  for (;;) {
    const b = await ctx.actors.load('circuit_breaker', id);
    if (b.state !== 'OPEN') return;
    await sleep(cooldownRemainingMs(b.context, Date.now()) + 1);
    try {
      await ctx.actors.send('circuit_breaker', id, { type: 'cooldown_elapsed' });
    } catch (err) {
      if (!(err instanceof InvalidTransitionError)) throw err;
    }
  }
}

/** Reports a call's outcome to the tool's breaker: `call_succeeded` or `call_failed` (SSOT §2.4). */
export async function reportCall(ctx: RunContext, task: PlanTask, ok: boolean, error?: string): Promise<void> {
  const id = ctx.ids.breaker(task.tool);
  if (ok) await ctx.actors.send('circuit_breaker', id, { type: 'call_succeeded' });
  else await ctx.actors.send('circuit_breaker', id, { type: 'call_failed', ...(error ? { error: clipReason(error) } : {}) });
}
