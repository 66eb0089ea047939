import { describe, expect, it } from 'vitest';
import { eventsAt, generatePaths, pathModels } from '../../coverage/index.js';
import { applyEvent, ENTITY_TYPES, InvalidTransitionError, machineCatalog } from '../../machines/index.js';

function rejectionOf(fn: () => unknown): InvalidTransitionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidTransitionError) return err;
    throw err;
  }
  throw new Error('expected InvalidTransitionError, the event was accepted');
}

describe.each(ENTITY_TYPES)('invalid (state, event) pairs of %s', (type) => {
  const entry = machineCatalog[type];
  const graph = generatePaths(pathModels[type]);

  it('enumerates every pair without an edge, from the adjacency map', () => {
    const expected = entry.states.flatMap((s) => entry.events.filter((e) => !entry.transitions.some((t) => t.from === s && t.event === e)).map((e) => `${s}/${e}`));
    expect(graph.unacceptedPairs.map((p) => `${p.state}/${p.event.type}`).sort()).toEqual(expected.sort());
  });

  it('rejects each with InvalidTransitionError naming entity, state and event, leaving the snapshot as it was', () => {
    for (const { state, event } of graph.unacceptedPairs) {
      const snap = graph.snapshots.get(state)!;
      const before = JSON.stringify(snap.context);
      const err = rejectionOf(() => applyEvent(type, snap, event, 'e-1'));
      expect(err.entityType).toBe(type);
      expect(err.entityId).toBe('e-1');
      expect(err.state).toBe(state);
      expect(err.event).toBe(event.type);
      expect(err.kind).toBe(entry.terminal.includes(state) ? 'terminal_state' : 'unknown_event');
      expect(err.message).toContain(event.type);
      expect(JSON.stringify(snap.context)).toBe(before);
    }
  });

  it('rejects every event in every terminal state', () => {
    for (const state of entry.terminal) {
      for (const event of eventsAt(pathModels[type], graph.snapshots.get(state)!)) {
        expect(rejectionOf(() => applyEvent(type, graph.snapshots.get(state)!, event)).kind).toBe('terminal_state');
      }
    }
  });
});
