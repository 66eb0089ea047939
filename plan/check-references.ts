import { didYouMean, quoteList } from './did-you-mean.js';
import { type PlanFileIndex, toolOf } from './plan-file-index.js';

/**
 * Every id referred to exists, and is listed once: workstream `depends_on` → workstreams; task `depends_on` → tasks
 * anywhere in the plan; task `gates` → gates of the task's own workstream; gate `depends_on` → gates of the same
 * workstream; pool `affinity` → workstreams. Also: a task lists every gate its gates depend on (a gate starts only
 * after its dependencies passed), nothing that runs depends on a skipped workstream (it would never start), the
 * backoff cap is not below its base; and warnings for gates no task runs and breaker settings for unused tools.
 */
export function checkReferences(ix: PlanFileIndex): void {
  const { file } = ix;
  const wsIds = [...ix.workstreams.keys()];
  const taskIds = [...ix.tasks.keys()];

  file.workstreams.forEach((ws, w) => {
    const at = ['workstreams', w] as const;
    ix.checkListedOnce(ws.depends_on, [...at, 'depends_on'], 'workstream');
    ws.depends_on.forEach((dep, k) => {
      const target = ix.workstreams.get(dep);
      if (target === undefined) ix.error([...at, 'depends_on', k], `unknown workstream '${dep}'${didYouMean(dep, wsIds)}`);
      else if (file.workstreams[target]!.skip && !ws.skip) {
        ix.error([...at, 'depends_on', k], `workstream '${dep}' is skipped (skip: true), so '${ws.id}' could never start: skip it too or drop the dependency`);
      }
    });

    const gates = ix.gates[w]!;
    const gateIds = [...gates.keys()];
    ws.gates.forEach((g, i) => {
      ix.checkListedOnce(g.depends_on, [...at, 'gates', i, 'depends_on'], 'gate');
      g.depends_on.forEach((dep, k) => {
        if (!gates.has(dep)) ix.error([...at, 'gates', i, 'depends_on', k], `unknown gate '${dep}' in workstream '${ws.id}'${didYouMean(dep, gateIds)} (its gates: ${quoteList(gateIds)})`);
      });
    });

    const used = new Set<string>();
    ws.tasks.forEach((t, i) => {
      const tp = [...at, 'tasks', i] as const;
      ix.checkListedOnce(t.depends_on, [...tp, 'depends_on'], 'task');
      ix.checkListedOnce(t.gates, [...tp, 'gates'], 'gate');
      ix.checkListedOnce(t.requires, [...tp, 'requires'], 'capability');
      t.depends_on.forEach((dep, k) => {
        const place = ix.tasks.get(dep);
        if (place === undefined) ix.error([...tp, 'depends_on', k], `unknown task '${dep}'${didYouMean(dep, taskIds)}`);
        else if (file.workstreams[place.ws]!.skip && !ws.skip) {
          ix.error([...tp, 'depends_on', k], `task '${dep}' is in workstream '${file.workstreams[place.ws]!.id}', which is skipped (skip: true), so '${t.id}' could never run`);
        }
      });
      t.gates.forEach((gateId, k) => {
        used.add(gateId);
        const g = gates.get(gateId);
        if (g === undefined) {
          const owner = file.workstreams.find((other) => other.gates.some((x) => x.id === gateId));
          ix.error(
            [...tp, 'gates', k],
            owner
              ? `gate '${gateId}' belongs to workstream '${owner.id}': a task's gates are gates of its own workstream '${ws.id}' (${quoteList(gateIds)})`
              : `unknown gate '${gateId}' in workstream '${ws.id}'${didYouMean(gateId, gateIds)} (its gates: ${quoteList(gateIds)})`,
          );
          return;
        }
        for (const needed of ws.gates[g]!.depends_on) {
          if (gates.has(needed) && !t.gates.includes(needed)) {
            ix.error([...tp, 'gates', k], `gate '${gateId}' depends on gate '${needed}', which this task does not run: add '${needed}' to its gates`);
          }
        }
      });
    });
    ws.gates.forEach((g, i) => {
      if (!used.has(g.id)) ix.warn([...at, 'gates', i, 'id'], `gate '${g.id}' is run by no task (list it in a task's gates)`);
    });
  });

  file.workers.orchestration.forEach((pool, p) => {
    ix.checkListedOnce(pool.capabilities, ['workers', 'orchestration', p, 'capabilities'], 'capability');
    ix.checkListedOnce(pool.affinity, ['workers', 'orchestration', p, 'affinity'], 'workstream');
    pool.affinity.forEach((wsId, k) => {
      if (!ix.workstreams.has(wsId)) ix.error(['workers', 'orchestration', p, 'affinity', k], `unknown workstream '${wsId}'${didYouMean(wsId, wsIds)}`);
    });
  });

  const tools = new Set(file.workstreams.flatMap((ws) => ws.tasks.map(toolOf)));
  for (const tool of Object.keys(file.circuit_breakers.tools)) {
    if (!tools.has(tool)) {
      ix.warn(['circuit_breakers', 'tools', tool], `no task uses tool '${tool}'${didYouMean(tool, tools)} (tools in use: ${quoteList([...tools].sort())})`);
    }
  }

  if (file.retry.backoff_cap_ms < file.retry.backoff_base_ms) {
    ix.error(['retry', 'backoff_cap_ms'], `the backoff cap (${file.retry.backoff_cap_ms} ms) is below its base (${file.retry.backoff_base_ms} ms)`);
  }
}
