import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/index.js';
import { issuesOf, parseData, pathsAndMessages, richPlan } from './plan-fixtures.js';

type Obj = Record<string, unknown>;
const ws = (data: Obj, i: number) => (data.workstreams as Obj[])[i]!;
const task = (data: Obj, w: number, t: number) => (ws(data, w).tasks as Obj[])[t]!;

/** A plan of three workstreams with one task each, for cycle shapes. */
function three(): Obj {
  return {
    run: { phase: 'P', repository: '.' },
    workstreams: ['a', 'b', 'c'].map((n) => ({ id: `ws-${n}`, tasks: [{ id: `${n}1`, command: 'true' }] })),
  };
}

describe('dependency cycles are errors that name their members in order', () => {
  it('among workstreams: a → b → c → a, reported once at the first member', () => {
    const data = three();
    ws(data, 0).depends_on = ['ws-b'];
    ws(data, 1).depends_on = ['ws-c'];
    ws(data, 2).depends_on = ['ws-a'];
    const issues = issuesOf(() => parseData(data, 'cyc.json'));
    expect(issues).toEqual([
      expect.objectContaining({ file: 'cyc.json', path: 'workstreams[0].depends_on[0]', message: 'dependency cycle among workstreams: ws-a → ws-b → ws-c → ws-a' }),
    ]);
  });

  it('among tasks, across workstreams', () => {
    const data = three();
    task(data, 0, 0).depends_on = ['c1'];
    task(data, 2, 0).depends_on = ['b1'];
    task(data, 1, 0).depends_on = ['a1'];
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual(['workstreams[0].tasks[0].depends_on[0]: dependency cycle among tasks: a1 → c1 → b1 → a1']);
  });

  it('a self-dependency is a cycle of one', () => {
    const data = three();
    ws(data, 1).depends_on = ['ws-b'];
    task(data, 2, 0).depends_on = ['c1'];
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      'workstreams[1].depends_on[0]: dependency cycle among workstreams: ws-b → ws-b',
      'workstreams[2].tasks[0].depends_on[0]: dependency cycle among tasks: c1 → c1',
    ]);
  });

  it('among the gates of a workstream', () => {
    const text = [
      'run: { phase: P, repository: . }',
      'workstreams:',
      '  - id: ws',
      '    gates:',
      '      - { id: lint, type: LINT, command: x, depends_on: [sec] }',
      '      - { id: unit, type: UNIT, command: x, depends_on: [lint] }',
      '      - { id: sec, type: SECURITY, command: x, depends_on: [unit] }',
      '    tasks: [{ id: t, command: x, gates: [lint, unit, sec] }]',
    ].join('\n');
    const issues = issuesOf(() => parsePlan(text, { file: 'gates.yaml' }));
    expect(issues).toEqual([
      {
        file: 'gates.yaml',
        path: 'workstreams[0].gates[0].depends_on[0]',
        message: "dependency cycle among the gates of workstream 'ws': lint → sec → unit → lint",
        line: 5,
        column: 58,
      },
    ]);
  });

  it('reports every independent cycle, each once', () => {
    const data = three();
    ws(data, 0).depends_on = ['ws-b'];
    ws(data, 1).depends_on = ['ws-a'];
    (data.workstreams as Obj[]).push({ id: 'ws-d', depends_on: ['ws-e'], tasks: [{ id: 'd1', command: 'x' }] }, { id: 'ws-e', depends_on: ['ws-d'], tasks: [{ id: 'e1', command: 'x' }] });
    expect(issuesOf(() => parseData(data)).map((i) => i.message)).toEqual([
      'dependency cycle among workstreams: ws-a → ws-b → ws-a',
      'dependency cycle among workstreams: ws-d → ws-e → ws-d',
    ]);
  });

  it('allows a task to depend on a task of an unrelated or earlier workstream', () => {
    const data = three();
    ws(data, 2).depends_on = ['ws-a'];
    task(data, 1, 0).depends_on = ['c1']; // ws-b and ws-c are unrelated: b1 simply waits for c1
    task(data, 2, 0).depends_on = ['a1']; // ws-a comes before ws-c anyway
    expect(parseData(data).tasks.map((t) => [t.id, t.depends_on])).toEqual([
      ['a1', []],
      ['b1', ['c1']],
      ['c1', ['a1']],
    ]);
  });

  it('rejects a task depending on a task of a workstream that waits for its own: a deadlock across workstreams', () => {
    const data = three();
    ws(data, 1).depends_on = ['ws-c']; // ws-b starts after ws-c completes
    task(data, 2, 0).depends_on = ['b1']; // … but c1 (of ws-c) waits for b1 (of ws-b)
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workstreams[2].tasks[0].depends_on[0]: dependency cycle across workstreams: task c1 → task b1 → workstream ws-c → task c1 (task 'b1' of workstream 'ws-b' itself waits, through workstream dependencies, for task 'c1' of workstream 'ws-c')",
    ]);
  });

  it('finds such a deadlock through a chain of workstreams', () => {
    const data = richPlan(); // ws-b depends on ws-a
    (data.workstreams as Obj[]).push({ id: 'ws-c', depends_on: ['ws-b'], tasks: [{ id: 'c1', command: 'x' }] });
    task(data, 0, 1).depends_on = ['a1', 'c1']; // a2 (ws-a) waits for c1, which waits for ws-b, which waits for ws-a
    const [issue, ...rest] = issuesOf(() => parseData(data));
    expect(rest).toEqual([]);
    expect(issue!.path).toBe('workstreams[0].tasks[1].depends_on[1]');
    expect(issue!.message).toBe(
      "dependency cycle across workstreams: task a2 → task c1 → workstream ws-b → workstream ws-a → task a2 (task 'c1' of workstream 'ws-c' itself waits, through workstream dependencies, for task 'a2' of workstream 'ws-a')",
    );
  });
});
