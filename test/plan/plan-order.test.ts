import { describe, expect, it } from 'vitest';
import { DependencyCycleError, DependencyGraph, planOrder } from '../../plan/index.js';
import { parseData, richPlan } from './plan-fixtures.js';

type Obj = Record<string, unknown>;

describe('planOrder: topological orders of workstreams, tasks and gates', () => {
  it('orders the rich plan: dependencies first, file order among the ready', () => {
    expect(planOrder(parseData(richPlan()))).toEqual({
      workstreams: ['ws-a', 'ws-b'],
      tasks: ['a1', 'a2', 'b1', 'b2'],
      gates: { 'ws-a': ['lint', 'unit'], 'ws-b': ['lint'] },
    });
  });

  it('puts dependencies first even when declared later, and keeps file order otherwise', () => {
    const data: Obj = {
      run: { phase: 'P', repository: '.' },
      workstreams: [
        {
          id: 'w1',
          depends_on: ['w3'],
          gates: [
            { id: 'sec', type: 'SECURITY', command: 'x', depends_on: ['unit'] },
            { id: 'unit', type: 'UNIT', command: 'x', depends_on: ['lint'] },
            { id: 'lint', type: 'LINT', command: 'x' },
            { id: 'docs', type: 'LINT', command: 'x' },
          ],
          tasks: [{ id: 'x', command: 'x', gates: ['sec', 'unit', 'lint', 'docs'] }],
        },
        { id: 'w2', tasks: [{ id: 'y', command: 'x', depends_on: ['z2'] }, { id: 'y2', command: 'x' }] },
        { id: 'w3', tasks: [{ id: 'z1', command: 'x' }, { id: 'z2', command: 'x', depends_on: ['z1'] }] },
      ],
    };
    const order = planOrder(parseData(data));
    expect(order.workstreams).toEqual(['w2', 'w3', 'w1']);
    // x waits for all of w3 (its workstream depends on w3); y waits for z2 only; y2 is free.
    expect(order.tasks).toEqual(['y2', 'z1', 'z2', 'x', 'y']);
    expect(order.gates).toEqual({ w1: ['lint', 'unit', 'sec', 'docs'], w2: [], w3: [] });
  });

  it('every task comes after its depends_on and after every task of the workstreams its workstream depends on', () => {
    const plan = parseData(richPlan());
    const order = planOrder(plan).tasks;
    for (const t of plan.tasks) {
      for (const d of t.depends_on) expect(order.indexOf(d), `${d} before ${t.id}`).toBeLessThan(order.indexOf(t.id));
      const ws = plan.workstreams.find((w) => w.id === t.workstream)!;
      for (const dep of ws.depends_on) {
        for (const u of plan.workstreams.find((w) => w.id === dep)!.tasks) expect(order.indexOf(u.id)).toBeLessThan(order.indexOf(t.id));
      }
    }
    expect([...order].sort()).toEqual(plan.tasks.map((t) => t.id).sort());
  });
});

describe('DependencyGraph', () => {
  it('orders a long chain without exhausting the stack, and finds its cycle when closed', () => {
    const n = 50_000;
    const ids = Array.from({ length: n }, (_, i) => `n${i}`);
    const g = new DependencyGraph(ids);
    for (let i = 0; i + 1 < n; i++) g.addEdge(ids[i]!, ids[i + 1]!);
    const order = g.order();
    expect(order[0]).toBe(`n${n - 1}`);
    expect(order[n - 1]).toBe('n0');
    expect(g.cycles()).toEqual([]);
    g.addEdge(ids[n - 1]!, ids[0]!);
    const cycles = g.cycles();
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(n);
    expect(cycles[0]!.slice(0, 2)).toEqual(['n0', 'n1']);
  });

  it('names the shortest cycle through the first-declared member, and refuses to order a cyclic graph', () => {
    const g = new DependencyGraph(['a', 'b', 'c', 'd']).addEdge('b', 'c').addEdge('c', 'd').addEdge('d', 'b').addEdge('c', 'b').addEdge('a', 'b');
    expect(g.cycles()).toEqual([['b', 'c']]);
    expect(() => g.order()).toThrow(DependencyCycleError);
    try {
      g.order();
    } catch (err) {
      expect((err as DependencyCycleError).members).toEqual(['a', 'b', 'c', 'd']);
    }
  });

  it('ignores edges to unknown nodes and repeated edges', () => {
    const g = new DependencyGraph(['a', 'b']).addEdge('a', 'zzz').addEdge('a', 'b').addEdge('a', 'b');
    expect(g.dependenciesOf('a')).toEqual(['b']);
    expect(g.order()).toEqual(['b', 'a']);
  });
});
