import { describe, expect, it } from 'vitest';
import { edgesOf, ENTITY_TYPES, machineCatalog } from '../../machines/index.js';
import { conformanceTable } from './ssot-conformance-table.js';

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe.each(ENTITY_TYPES)('%s matches the hand-written SSOT table', (type) => {
  const entry = machineCatalog[type];
  const table = conformanceTable[type]!;

  it('has exactly the spec states and terminal states', () => {
    expect(sorted(entry.states)).toEqual(sorted(table.states));
    expect(sorted(entry.terminal)).toEqual(sorted(table.terminal));
  });

  it('has exactly the spec triggers, each tagged SSOT or with its extension id', () => {
    const actual = entry.transitions.filter((t) => !t.internal).map((t) => `${t.from} ${t.to} ${t.event} ${t.ext ?? (t.ssot ? 'SSOT' : '?')}`);
    expect(sorted(new Set(actual))).toEqual(sorted(table.edges));
  });

  it('keeps in-state updates off the state graph (they never change the state)', () => {
    for (const t of entry.transitions.filter((x) => x.internal)) expect(t.to).toBe(t.from);
  });

  it('has no edge the SSOT lists as invalid, and none out of a terminal state', () => {
    const pairs = new Set(entry.transitions.filter((t) => !t.internal).map((t) => `${t.from} ${t.to}`));
    for (const bad of table.invalid) expect(pairs.has(bad), bad).toBe(false);
    for (const t of entry.transitions) expect(entry.terminal).not.toContain(t.from);
  });

  it('marks terminal states as XState final states', () => {
    for (const s of entry.terminal) expect(entry.machine.root.states[s]!.type).toBe('final');
  });
});

describe('docs/design/machines.md totals', () => {
  it('has 51 states, 66 SSOT edges and 12 extension edges', () => {
    const all = ENTITY_TYPES.map((t) => machineCatalog[t]);
    expect(all.reduce((n, e) => n + e.states.length, 0)).toBe(51);
    expect(all.reduce((n, e) => n + edgesOf(e, 'ssot').length, 0)).toBe(66);
    expect(all.reduce((n, e) => n + edgesOf(e, 'ext').length, 0)).toBe(12);
  });

  it('per machine: the SSOT edge counts of the table in docs/design/machines.md', () => {
    const counts = Object.fromEntries(ENTITY_TYPES.map((t) => [t, edgesOf(machineCatalog[t], 'ssot').length]));
    expect(counts).toEqual({ run: 5, workstream: 13, task: 11, worker: 8, uet_worker: 8, patch_ledger: 12, test_gate: 5, circuit_breaker: 4 });
  });

  it('gives each machine a version derived from its definition', () => {
    const versions = ENTITY_TYPES.map((t) => machineCatalog[t].version);
    expect(new Set(versions).size).toBe(8);
    for (const v of versions) expect(v).toMatch(/^[0-9a-f]{12}$/);
  });
});
