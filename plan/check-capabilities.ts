import { quoteList } from './did-you-mean.js';
import type { PlanFileIndex } from './plan-file-index.js';

type Pool = PlanFileIndex['file']['workers']['orchestration'][number];

/** Capabilities of `requires` the pool lacks. */
function missing(pool: Pool, requires: readonly string[]): string[] {
  return requires.filter((c) => !pool.capabilities.includes(c));
}

/** Whether the pool's affinity lets it take tasks of workstream `wsId` (an empty affinity takes any). */
function admits(pool: Pool, wsId: string): boolean {
  return pool.affinity.length === 0 || pool.affinity.includes(wsId);
}

/**
 * A task of a workstream that runs must be claimable by some orchestration pool (SSOT §1.5.6 can-assign rule): one
 * whose capabilities include all the task's `requires` and whose affinity, if any, includes the task's workstream.
 * The error names the task, what it requires, and why the closest pools do not qualify.
 */
export function checkCapabilities(ix: PlanFileIndex): void {
  const pools = ix.file.workers.orchestration;
  ix.file.workstreams.forEach((ws, w) => {
    if (ws.skip) return;
    ws.tasks.forEach((t, i) => {
      if (pools.some((p) => missing(p, t.requires).length === 0 && admits(p, ws.id))) return;
      const capable = pools.filter((p) => missing(p, t.requires).length === 0);
      const path = ['workstreams', w, 'tasks', i, t.requires.length ? 'requires' : 'id'];
      if (capable.length > 0) {
        const why = capable.map((p) =>
          t.requires.length
            ? `pool '${p.id}' has these capabilities but its affinity (${quoteList(p.affinity)}) excludes workstream '${ws.id}'`
            : `pool '${p.id}' is limited by its affinity to ${quoteList(p.affinity)}`,
        );
        const head = t.requires.length ? `task '${t.id}' requires ${quoteList(t.requires)}` : `task '${t.id}' of workstream '${ws.id}'`;
        ix.error(path, `${head}: no orchestration pool may run it: ${why.join('; ')}`);
        return;
      }
      const fewest = Math.min(...pools.map((p) => missing(p, t.requires).length));
      const closest = pools.filter((p) => missing(p, t.requires).length === fewest);
      const why = closest.map((p) => `pool '${p.id}' lacks ${quoteList(missing(p, t.requires))}`);
      const unknown = t.requires.filter((c) => !pools.some((p) => p.capabilities.includes(c)));
      ix.error(
        path,
        `task '${t.id}' requires ${quoteList(t.requires)}, which no orchestration pool has: ${why.join('; ')}` +
          (unknown.length ? ` (no pool at all has ${quoteList(unknown)})` : ''),
      );
    });
  });
}
