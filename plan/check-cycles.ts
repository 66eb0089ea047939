import type { PlanFileIndex } from './plan-file-index.js';
import { planGraphs } from './plan-graphs.js';

const arrow = (members: readonly string[]) => [...members, members[0]!].join(' → ');

/**
 * No dependency cycle among workstreams, among tasks, or among the gates of a workstream; each cycle is reported
 * once, at the `depends_on` entry of its first-declared member, naming its members in order (`a → b → c → a`:
 * a depends on b, …). When neither workstreams nor tasks have a cycle, a task depending on a task of a workstream
 * that waits (transitively) for the dependent's own workstream is reported too: that is a deadlock across them.
 */
export function checkCycles(ix: PlanFileIndex): void {
  const { file } = ix;
  const graphs = planGraphs(file);
  const wsCycles = graphs.workstreams.cycles();
  for (const c of wsCycles) {
    const w = ix.workstreams.get(c[0]!)!;
    const k = file.workstreams[w]!.depends_on.indexOf(c[1] ?? c[0]!);
    ix.error(['workstreams', w, 'depends_on', k], `dependency cycle among workstreams: ${arrow(c)}`);
  }
  const taskCycles = graphs.tasks.cycles();
  for (const c of taskCycles) {
    const place = ix.tasks.get(c[0]!)!;
    const k = ix.task(place).depends_on.indexOf(c[1] ?? c[0]!);
    ix.error([...ix.taskPath(place), 'depends_on', k], `dependency cycle among tasks: ${arrow(c)}`);
  }
  file.workstreams.forEach((ws, w) => {
    // A repeated workstream id (reported by checkIds) keeps the graph of its first declaration.
    if (ix.workstreams.get(ws.id) !== w) return;
    for (const c of graphs.gates.get(ws.id)!.cycles()) {
      const i = ix.gates[w]!.get(c[0]!)!;
      const k = ws.gates[i]!.depends_on.indexOf(c[1] ?? c[0]!);
      ix.error(['workstreams', w, 'gates', i, 'depends_on', k], `dependency cycle among the gates of workstream '${ws.id}': ${arrow(c)}`);
    }
  });
  if (wsCycles.length || taskCycles.length) return;

  const wsOf = (id: string) => file.workstreams[ix.tasks.get(id)!.ws]!.id;
  for (const cycle of graphs.execution.cycles()) {
    // Such a cycle always holds a task → task edge between workstreams (else it would be one of the cycles above).
    const n = cycle.length;
    const start = cycle.findIndex((v, i) => v.startsWith('t:') && cycle[(i + 1) % n]!.startsWith('t:') && wsOf(v.slice(2)) !== wsOf(cycle[(i + 1) % n]!.slice(2)));
    const members = [...cycle.slice(start), ...cycle.slice(0, start)];
    const from = members[0]!.slice(2);
    const to = members[1]!.slice(2);
    const place = ix.tasks.get(from)!;
    const named = members.map((m) => (m.startsWith('t:') ? `task ${m.slice(2)}` : `workstream ${m.slice(2)}`));
    ix.error(
      [...ix.taskPath(place), 'depends_on', ix.task(place).depends_on.indexOf(to)],
      `dependency cycle across workstreams: ${arrow(named)} (task '${to}' of workstream '${wsOf(to)}' itself waits, through workstream dependencies, for task '${from}' of workstream '${wsOf(from)}')`,
    );
  }
}
