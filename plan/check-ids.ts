import { ID_FORMAT, ID_PATTERN } from '../machines/index.js';
import { formatPlanPath } from './errors.js';
import { type PlanFileIndex, programName } from './plan-file-index.js';

/**
 * Id checks that zod cannot make: duplicates (workstreams, tasks across the whole plan, gates within a workstream,
 * worker pools), worker ids `<pool>-<n>` that would be too long, and tool ids derived from a command that are not
 * valid ids.
 */
export function checkIds(ix: PlanFileIndex): void {
  const { file } = ix;
  file.workstreams.forEach((ws, w) => {
    const first = ix.workstreams.get(ws.id)!;
    if (first !== w) ix.error(['workstreams', w, 'id'], `duplicate workstream id '${ws.id}' (first declared at ${formatPlanPath(['workstreams', first, 'id'])})`);

    ws.gates.forEach((g, i) => {
      const firstGate = ix.gates[w]!.get(g.id)!;
      if (firstGate !== i) {
        ix.error(['workstreams', w, 'gates', i, 'id'], `duplicate gate id '${g.id}' in workstream '${ws.id}' (first declared at ${formatPlanPath(['workstreams', w, 'gates', firstGate, 'id'])})`);
      }
    });

    ws.tasks.forEach((t, i) => {
      const place = ix.tasks.get(t.id)!;
      if (place.ws !== w || place.task !== i) {
        ix.error(
          ['workstreams', w, 'tasks', i, 'id'],
          `duplicate task id '${t.id}': task ids are unique across the whole plan (first declared at ${formatPlanPath([...ix.taskPath(place), 'id'])})`,
        );
      }
      if (t.tool === undefined && t.command !== undefined) {
        const derived = programName(t.command);
        if (!ID_PATTERN.test(derived)) {
          ix.error(
            ['workstreams', w, 'tasks', i, 'command'],
            `cannot use the program name '${derived}' as the task's tool id (ids are ${ID_FORMAT}): set 'tool' explicitly`,
          );
        }
      }
    });
  });

  file.workers.orchestration.forEach((pool, p) => {
    const first = ix.pools.get(pool.id)!;
    if (first !== p) {
      ix.error(['workers', 'orchestration', p, 'id'], `duplicate worker pool id '${pool.id}' (first declared at ${formatPlanPath(['workers', 'orchestration', first, 'id'])})`);
    }
    const longest = `${pool.id}-${pool.count}`;
    if (!ID_PATTERN.test(longest)) {
      ix.error(['workers', 'orchestration', p, 'id'], `worker id '${longest.slice(0, 40)}…' would exceed 128 characters: shorten the pool id`);
    }
  });
}
