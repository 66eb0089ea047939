import { describe, expect, it } from 'vitest';
import { generatePaths, pathModels } from '../../coverage/index.js';
import { applyEvent, edgesOf, ENTITY_TYPES, initialSnapshot, machineCatalog } from '../../machines/index.js';
import { conformanceTable } from './ssot-conformance-table.js';

describe.each(ENTITY_TYPES)('generated paths of %s', (type) => {
  const entry = machineCatalog[type];
  const model = pathModels[type];
  const graph = generatePaths(model);
  const table = new Set(conformanceTable[type]!.edges.map((e) => e.split(' ').slice(0, 3).join(' ')));

  it('reach every state by a shortest path', () => {
    const reached = new Set(graph.paths.filter((p) => p.kind === 'state').map((p) => p.end));
    expect([...reached].sort()).toEqual([...entry.states].sort());
  });

  it('take every SSOT and extension edge', () => {
    const taken = new Set(graph.paths.flatMap((p) => p.steps.map((s) => `${s.from}->${s.to}`)));
    for (const e of [...edgesOf(entry, 'ssot'), ...edgesOf(entry, 'ext')]) expect(taken.has(`${e.from}->${e.to}`), `${e.from}->${e.to}`).toBe(true);
  });

  it('land, step by step, where the spec table says, when replayed through applyEvent', () => {
    for (const path of graph.paths) {
      let snap = initialSnapshot(type, model.input);
      for (const step of path.steps) {
        const applied = applyEvent(type, snap, step.event);
        expect(applied.from, path.description).toBe(step.from);
        expect(applied.to, path.description).toBe(step.to);
        if (!step.transition.internal) expect(table.has(`${step.from} ${step.to} ${step.event.type}`), path.description).toBe(true);
        snap = applied.snapshot;
      }
      expect(String(snap.value)).toBe(path.end);
    }
  });
});
