import { describe, expect, it } from 'vitest';
import { generatePaths, pathModels } from '../../coverage/index.js';
import { applyEvent, ENTITY_TYPES, initialSnapshot, persistSnapshot, restoreSnapshot } from '../../machines/index.js';

describe.each(ENTITY_TYPES)('%s is pure and restorable', (type) => {
  const model = pathModels[type];
  const longest = generatePaths(model).paths.reduce((a, b) => (b.steps.length > a.steps.length ? b : a));

  it('gives the same next snapshot for the same snapshot and event, without touching its input', () => {
    let snap = initialSnapshot(type, model.input);
    for (const s of longest.steps) {
      const before = JSON.stringify(persistSnapshot(type, snap));
      const a = applyEvent(type, snap, s.event).snapshot;
      const b = applyEvent(type, snap, s.event).snapshot;
      expect(JSON.stringify(persistSnapshot(type, a))).toBe(JSON.stringify(persistSnapshot(type, b)));
      expect(JSON.stringify(persistSnapshot(type, snap))).toBe(before);
      snap = a;
    }
  });

  it('continues identically after a JSON round trip of the persisted snapshot at every step', () => {
    let live = initialSnapshot(type, model.input);
    let restored = restoreSnapshot(type, JSON.parse(JSON.stringify(persistSnapshot(type, live))));
    for (const s of longest.steps) {
      live = applyEvent(type, live, s.event).snapshot;
      restored = applyEvent(type, restored, s.event).snapshot;
      expect(persistSnapshot(type, restored)).toEqual(persistSnapshot(type, live));
      restored = restoreSnapshot(type, JSON.parse(JSON.stringify(persistSnapshot(type, restored))));
    }
    expect(String(restored.value)).toBe(longest.end);
  });
});
