import type { Plan } from './plan.js';
import { planGraphs, taskNode } from './plan-graphs.js';

/** Topological orders of a plan: every id after everything it depends on; ties in file order. */
export interface PlanOrder {
  /** Workstream ids, each after its `depends_on`. */
  readonly workstreams: readonly string[];
  /**
   * Every task id of the plan, each after its `depends_on` tasks and after every task of the workstreams its own
   * workstream depends on: an order in which the tasks can run one at a time.
   */
  readonly tasks: readonly string[];
  /** Per workstream id: its gate ids, each after its `depends_on`. */
  readonly gates: Readonly<Record<string, readonly string[]>>;
}

/**
 * The orders in which a validated plan's workstreams, tasks (plan-wide, honouring workstream dependencies) and
 * gates (per workstream) can run. Deterministic: among ready items, the one declared first comes first.
 */
export function planOrder(plan: Plan): PlanOrder {
  const graphs = planGraphs(plan);
  const taskIds = new Set(plan.tasks.map((t) => taskNode(t.id)));
  return {
    workstreams: graphs.workstreams.order(),
    tasks: graphs.execution
      .order()
      .filter((n) => taskIds.has(n))
      .map((n) => n.slice(2)),
    gates: Object.fromEntries([...graphs.gates].map(([ws, g]) => [ws, g.order()])),
  };
}
