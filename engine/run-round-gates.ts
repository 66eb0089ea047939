import { existingGateIds } from '../persistence/index.js';
import type { PlanGate } from '../plan/index.js';
import { stateMap } from './entity-facts.js';
import type { RunContext } from './run-context.js';
import { stepCommandGate } from './run-gates.js';

/** The outcome of a conflict round's gates: state per plan gate id, and the plan ids of those that did not pass. */
export interface RoundGateOutcome {
  readonly byPlanId: Record<string, string>;
  readonly failed: string[];
}

/** The entity id of gate `gate` of workstream `ws` in conflict round `round`: `R.ws.gate.cN`. */
export function roundGateId(ctx: RunContext, ws: string, gate: string, round: number): string {
  return `${ctx.ids.workstream(ws)}.${gate}.c${round}`;
}

/**
 * Runs the workstream's command gates again, in dependency order, in its worktree `cwd` holding the tree a conflict
 * round is about to merge (EXT-7, EXT-8): each one a new gate entity `R.ws.gate.cN` through the Test Gate machine, like
 * a task's gates (`start` / `dependency_failed`, exit code → PASSED / FAILED, output stored), run in the sandbox of
 * the workstream's first task. MANUAL gates are not asked again: an approval stands for the change, which a round
 * only replays or re-makes through tasks whose own gates ask it (docs/plan-format.md). Resumable like a task's
 * gates: existing ones are not created again, one left RUNNING by a crash runs again.
 */
export async function runRoundGates(ctx: RunContext, ws: string, round: number, cwd: string): Promise<RoundGateOutcome> {
  const plan = ctx.plan.workstreams.find((w) => w.id === ws)!;
  const commands = new Set(plan.gates.filter((g) => g.command !== null).map((g) => g.id));
  const order = (ctx.order.gates[ws] ?? []).filter((g) => commands.has(g));
  const eid = (g: string) => roundGateId(ctx, ws, g, round);
  const gateOf = (g: string): PlanGate => {
    const gate = plan.gates.find((x) => x.id === g)!;
    return { ...gate, depends_on: gate.depends_on.filter((d) => commands.has(d)) };
  };
  const links = { run_id: ctx.ids.run, workstream_id: ctx.ids.workstream(ws), phase_id: ctx.plan.run.phase };
  const existing = await existingGateIds(ctx.db, order.map(eid));
  for (const g of order) {
    if (existing.has(eid(g))) continue;
    const gate = gateOf(g);
    const input = { gate_type: gate.type, depends_on: gate.depends_on.map(eid), expected_exit: gate.expect_exit, timeout_sec: gate.timeout_sec, approvers: [] };
    await ctx.actors.create('test_gate', eid(g), input, { links, reason: `conflict round ${round} of workstream ${ws}` });
  }
  const task = plan.tasks[0]!;
  const scope = { task, attemptNo: round, cwd, eid };
  for (const g of order) {
    const gate = gateOf(g);
    if (gate.command !== null) await stepCommandGate(ctx, scope, { ...gate, command: gate.command });
  }
  const byEntityId = await stateMap(ctx, 'test_gate', order.map(eid));
  const byPlanId = Object.fromEntries(order.map((g) => [g, byEntityId[eid(g)]!]));
  return { byPlanId, failed: order.filter((g) => byPlanId[g] !== 'PASSED') };
}
