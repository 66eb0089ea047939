import { DependencyGraph } from './dependency-graph.js';

/** The dependency fields of a plan, shared by a `PlanFile` (while validating) and a normalized `Plan`. */
export interface PlanDependencyShape {
  readonly workstreams: readonly {
    readonly id: string;
    readonly depends_on: readonly string[];
    readonly gates: readonly { readonly id: string; readonly depends_on: readonly string[] }[];
    readonly tasks: readonly { readonly id: string; readonly depends_on: readonly string[] }[];
  }[];
}

/** The dependency graphs of one plan; node names are ids, except in `execution` (see there). */
export interface PlanGraphs {
  /** Workstream ids and their `depends_on` edges. */
  readonly workstreams: DependencyGraph;
  /** Task ids, plan-wide, and their `depends_on` edges. */
  readonly tasks: DependencyGraph;
  /**
   * Tasks (`t:<id>`) and workstream completions (`w:<id>`) in one graph: a task waits for the tasks it names and for
   * every workstream its own workstream depends on; a workstream completes after all its tasks. Its order is a run
   * order honouring both kinds of dependency; a cycle in it is a deadlock even when each kind alone is acyclic.
   */
  readonly execution: DependencyGraph;
  /** Per workstream id: its gate ids and their `depends_on` edges. */
  readonly gates: ReadonlyMap<string, DependencyGraph>;
}

/** Node name of a task in `PlanGraphs.execution`. */
export const taskNode = (id: string): string => `t:${id}`;
/** Node name of a workstream's completion in `PlanGraphs.execution`. */
export const workstreamNode = (id: string): string => `w:${id}`;

const unique = (ids: Iterable<string>) => [...new Set(ids)];

/** Builds the workstream, task, execution and gate graphs of a plan; a repeated id counts once, edges to unknown ids are dropped. */
export function planGraphs(plan: PlanDependencyShape): PlanGraphs {
  const tasks = plan.workstreams.flatMap((ws) => ws.tasks);
  const workstreams = new DependencyGraph(unique(plan.workstreams.map((w) => w.id)));
  const taskGraph = new DependencyGraph(unique(tasks.map((t) => t.id)));
  // Completions first: in `order()` a completion, a mere join point, is then placed as soon as it is ready.
  const execution = new DependencyGraph(unique([...plan.workstreams.map((w) => workstreamNode(w.id)), ...tasks.map((t) => taskNode(t.id))]));
  const gates = new Map<string, DependencyGraph>();
  for (const ws of plan.workstreams) {
    for (const d of ws.depends_on) {
      workstreams.addEdge(ws.id, d);
      execution.addEdge(workstreamNode(ws.id), workstreamNode(d));
    }
    for (const t of ws.tasks) {
      execution.addEdge(workstreamNode(ws.id), taskNode(t.id));
      for (const d of t.depends_on) {
        taskGraph.addEdge(t.id, d);
        execution.addEdge(taskNode(t.id), taskNode(d));
      }
      for (const d of ws.depends_on) execution.addEdge(taskNode(t.id), workstreamNode(d));
    }
    if (!gates.has(ws.id)) {
      const g = new DependencyGraph(unique(ws.gates.map((x) => x.id)));
      for (const gate of ws.gates) for (const d of gate.depends_on) g.addEdge(gate.id, d);
      gates.set(ws.id, g);
    }
  }
  return { workstreams, tasks: taskGraph, execution, gates };
}
