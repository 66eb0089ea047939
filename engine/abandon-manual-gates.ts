import { existingGateIds } from '../persistence/index.js';
import type { PlanTask } from '../plan/index.js';
import { stateMap } from './entity-facts.js';
import type { RunContext } from './run-context.js';
import { sendAccepted } from './send-accepted.js';

/**
 * Closes the MANUAL gates of a task's attempt that still wait for an approver (RUNNING) once nobody needs to decide
 * them — the attempt failed at another gate, or the task ended (an override, a timeout, a cancel): each takes
 * `abandoned` (EXT-9) with `reason`, when its machine accepts it. Returns the plan ids of the gates closed.
 */
export async function abandonManualGates(ctx: RunContext, task: PlanTask, attemptNo: number, reason: string): Promise<string[]> {
  const ws = ctx.plan.workstreams.find((w) => w.id === task.workstream)!;
  const manual = task.gates.filter((g) => ws.gates.find((x) => x.id === g)?.command === null);
  const eid = (g: string) => ctx.ids.gate(task.id, g, attemptNo);
  const created = await existingGateIds(ctx.db, manual.map(eid)); // an attempt that failed early created none
  const states = await stateMap(ctx, 'test_gate', manual.map(eid).filter((id) => created.has(id)));
  const closed: string[] = [];
  for (const g of manual) {
    if (states[eid(g)] !== 'RUNNING') continue;
    if (await sendAccepted(ctx, 'test_gate', eid(g), [{ type: 'abandoned', reason }], { reason })) closed.push(g);
  }
  return closed;
}
