import { describe, expect, it } from 'vitest';
import { generatePaths, pathModels } from '../../coverage/index.js';
import { applyEvent, dbConstraintFacts, ENTITY_TYPES, initialSnapshot, machineCatalog } from '../../machines/index.js';

// The context rules (machines/context-rules.ts) hold on every snapshot of every generated path of every machine:
// presence per state, fields fixed at creation or after the initial state, append-only arrays.

describe.each(ENTITY_TYPES)('context rules of %s', (type) => {
  const facts = dbConstraintFacts.entities[type];
  const model = pathModels[type];
  const graph = generatePaths(model);

  it('name only context fields and machine states', () => {
    const context = initialSnapshot(type, model.input).context as Record<string, unknown>;
    const fields = [...facts.presence.map((p) => p.column), ...facts.fixedAtCreation, ...facts.fixedAfterInitial, ...facts.appendOnly, ...facts.reasonText];
    for (const f of fields) expect(Object.keys(context), f).toContain(f);
    for (const p of facts.presence) for (const s of [...p.required, ...p.absent]) expect(machineCatalog[type].states).toContain(s);
    expect(facts.states).toEqual(machineCatalog[type].states);
    expect(facts.terminal).toEqual(machineCatalog[type].terminal);
  });

  it('hold on every step of every generated path', () => {
    let steps = 0;
    for (const path of graph.paths) {
      let snap = initialSnapshot(type, model.input);
      const first = snap.context as Record<string, unknown>;
      for (const step of path.steps) {
        const before = snap.context as Record<string, unknown>;
        const fromState = String(snap.value);
        snap = applyEvent(type, snap, step.event).snapshot;
        const after = snap.context as Record<string, unknown>;
        const state = String(snap.value);
        const where = `${path.description}: ${fromState} → ${state}`;
        for (const p of facts.presence) {
          if (p.required.includes(state)) expect(after[p.column], `${where}: ${p.column} present`).not.toBeNull();
          if (p.absent.includes(state)) expect(after[p.column], `${where}: ${p.column} absent`).toBeNull();
        }
        for (const f of facts.fixedAtCreation) expect(after[f], `${where}: ${f} fixed`).toEqual(first[f]);
        if (fromState !== facts.initial) for (const f of facts.fixedAfterInitial) expect(after[f], `${where}: ${f} fixed`).toEqual(before[f]);
        for (const f of facts.appendOnly) {
          const prev = before[f] as unknown[];
          expect((after[f] as unknown[]).slice(0, prev.length), `${where}: ${f} grows`).toEqual(prev);
        }
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(0);
  });
});
