import { applyEvent, edgesOf, ENTITY_TYPES, InvalidTransitionError, machineCatalog, type EntityType } from '../machines/index.js';
import type { CoverageReport, MachineCoverage } from './coverage-report.js';
import { eventsAt, generatePaths } from './generate-paths.js';
import { pathModels } from './path-models.js';

/** Coverage of one machine: states reached, edges taken, and every (state, event) pair without an edge rejected. */
export function machineCoverage(entityType: EntityType): MachineCoverage {
  const entry = machineCatalog[entityType];
  const model = pathModels[entityType];
  const graph = generatePaths(model);

  const reached = entry.states.filter((s) => graph.snapshots.has(s));
  const taken = new Set<string>();
  for (const p of graph.paths) for (const s of p.steps) if (!s.transition.internal) taken.add(`${s.from}->${s.to}`);
  const edgeCover = (kind: 'ssot' | 'ext') => {
    const edges = edgesOf(entry, kind).map((e) => `${e.from}->${e.to}`);
    const untaken = edges.filter((e) => !taken.has(e));
    return { total: edges.length, taken: edges.length - untaken.length, untaken };
  };

  // Every (state, event type) that no transition of the state names must be rejected with InvalidTransitionError.
  let total = 0;
  let rejected = 0;
  const accepted: string[] = [];
  for (const state of entry.states) {
    for (const type of entry.events) {
      if (entry.transitions.some((t) => t.from === state && t.event === type)) continue;
      total++;
      const snap = graph.snapshots.get(state);
      if (!snap) continue;
      const event = eventsAt(model, snap).find((e) => e.type === type) ?? { type, now: 0 };
      try {
        applyEvent(entityType, snap, event);
        accepted.push(`${state}/${type}`);
      } catch (err) {
        if (err instanceof InvalidTransitionError) rejected++;
        else throw err;
      }
    }
  }
  const ssotEdges = edgeCover('ssot');
  const extEdges = edgeCover('ext');
  const unreached = entry.states.filter((s) => !graph.snapshots.has(s));
  return {
    entityType,
    states: { total: entry.states.length, reached, unreached },
    ssotEdges,
    extEdges,
    invalidPairs: { total, rejected, accepted },
    paths: graph.paths.length,
    complete: unreached.length === 0 && ssotEdges.untaken.length === 0 && extEdges.untaken.length === 0 && rejected === total,
  };
}

/** Generated path coverage of the eight machines (docs/design/engine.md §7.3): what `gantry coverage` prints. */
export function computeCoverage(): CoverageReport {
  const machines = ENTITY_TYPES.map((t) => machineCoverage(t));
  return { machines, complete: machines.every((m) => m.complete) };
}
