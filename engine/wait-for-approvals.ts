import type { PlanTask } from '../plan/index.js';
import { stateMap } from './entity-facts.js';
import { checkStop, type RunContext } from './run-context.js';
import { sendAccepted } from './send-accepted.js';

/**
 * Longest wait between looks at a task's manual gates: an approval comes from another process (`gantry approve`,
 * on PostgreSQL or through the embedded database's socket), which no signal of this process reports.
 */
export const APPROVAL_POLL_MS = 250;

/**
 * Waits, holding no worker, while one of the MANUAL gates (EXT-6) of the task's current attempt is RUNNING — waiting
 * for one of its approvers — the task is still `validating` (an override may end it meanwhile) and none of the
 * attempt's gates failed (then the caller fails the task and closes the waiting gates, EXT-9). Looks again on
 * every change this process signals and at least every {@link APPROVAL_POLL_MS}; a gate nobody decided within its
 * `timeout_sec` (counted from when it started waiting, across restarts) gets `timeout_exceeded` when its machine
 * takes it (SSOT §2.3: FAILED, as a command gate past its deadline). Stops with `RunInterruptedError` (or the run's
 * halt error) when the run is asked to stop, leaving the gate waiting for `gantry resume`.
 */
export async function waitForApprovals(ctx: RunContext, task: PlanTask): Promise<void> {
  const id = ctx.ids.task(task.id);
  const ws = ctx.plan.workstreams.find((w) => w.id === task.workstream)!;
  const manual = task.gates.filter((g) => ws.gates.find((x) => x.id === g)?.command === null);
  for (;;) {
    const seen = ctx.changes.version;
    checkStop(ctx);
    const view = await ctx.actors.load('task', id);
    if (view.state !== 'validating') return;
    const attemptNo = view.context.retry_count + 1;
    const states = await stateMap(ctx, 'test_gate', task.gates.map((g) => ctx.ids.gate(task.id, g, attemptNo)));
    // A gate of the attempt failed (rejected, timed out): it cannot pass, nobody needs to decide the rest (EXT-9).
    if (Object.values(states).some((s) => s === 'FAILED' || s === 'BLOCKED')) return;
    const waiting = manual.map((g) => ctx.ids.gate(task.id, g, attemptNo)).filter((gid) => states[gid] === 'RUNNING');
    if (waiting.length === 0) return;
    for (const gid of waiting) {
      await sendAccepted(ctx, 'test_gate', gid, [{ type: 'timeout_exceeded' }], { reason: 'no approver decided the manual gate within its timeout_sec' });
    }
    await ctx.changes.wait(seen, APPROVAL_POLL_MS);
  }
}
