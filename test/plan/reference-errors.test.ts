import { describe, expect, it } from 'vitest';
import { issuesOf, parseData, pathsAndMessages, richPlan } from './plan-fixtures.js';

type Obj = Record<string, unknown>;
const ws = (data: Obj, i: number) => (data.workstreams as Obj[])[i]!;
const task = (data: Obj, w: number, t: number) => (ws(data, w).tasks as Obj[])[t]!;
const gate = (data: Obj, w: number, g: number) => (ws(data, w).gates as Obj[])[g]!;
const pools = (data: Obj) => (data.workers as { orchestration: Obj[] }).orchestration;

describe('references: every id referred to exists', () => {
  it('the rich plan is valid as it stands (cross-workstream task dependencies included)', () => {
    expect(parseData(richPlan()).tasks.map((t) => t.id)).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  it('names unknown workstreams, tasks, gates and affinity targets at their exact paths, with suggestions', () => {
    const data = richPlan();
    ws(data, 1).depends_on = ['ws-a', 'ws-c'];
    task(data, 1, 1).depends_on = ['b1', 'a2', 'a3'];
    task(data, 0, 0).gates = ['lint', 'unit', 'e2e'];
    gate(data, 0, 1).depends_on = ['lnt'];
    pools(data)[1]!.affinity = ['ws-b', 'ws-bb'];
    const issues = issuesOf(() => parseData(data, 'refs.json'));
    expect(issues.every((i) => i.file === 'refs.json' && i.line !== null)).toBe(true);
    expect(pathsAndMessages(issues)).toEqual([
      "workers.orchestration[1].affinity[1]: unknown workstream 'ws-bb' (did you mean 'ws-b'?)",
      "workstreams[0].gates[1].depends_on[0]: unknown gate 'lnt' in workstream 'ws-a' (did you mean 'lint'?) (its gates: 'lint', 'unit')",
      "workstreams[0].tasks[0].gates[2]: unknown gate 'e2e' in workstream 'ws-a' (its gates: 'lint', 'unit')",
      "workstreams[1].depends_on[1]: unknown workstream 'ws-c' (did you mean 'ws-a'?)",
      "workstreams[1].tasks[1].depends_on[2]: unknown task 'a3' (did you mean 'a1'?)",
    ]);
  });

  it("says when a task names a gate of another workstream: a task's gates are its own workstream's", () => {
    const data = richPlan();
    ws(data, 1).gates = [{ id: 'e2e', type: 'INTEGRATION', command: 'x' }];
    task(data, 1, 0).gates = [];
    task(data, 0, 1).gates = ['e2e'];
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workstreams[0].tasks[1].gates[0]: gate 'e2e' belongs to workstream 'ws-b': a task's gates are gates of its own workstream 'ws-a' ('lint', 'unit')",
    ]);
  });

  it('requires a task to run every gate its gates depend on', () => {
    const data = richPlan();
    task(data, 0, 0).gates = ['unit'];
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workstreams[0].tasks[0].gates[0]: gate 'unit' depends on gate 'lint', which this task does not run: add 'lint' to its gates",
    ]);
  });

  it('rejects duplicate ids: workstreams, tasks across workstreams, gates within a workstream, pools', () => {
    const data = richPlan();
    ws(data, 1).id = 'ws-a';
    ws(data, 1).depends_on = [];
    task(data, 1, 1).id = 'a1';
    task(data, 1, 1).depends_on = [];
    gate(data, 0, 1).id = 'lint';
    gate(data, 0, 1).depends_on = [];
    task(data, 0, 0).gates = ['lint'];
    pools(data)[1]!.id = 'agent';
    pools(data)[1]!.affinity = [];
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workers.orchestration[1].id: duplicate worker pool id 'agent' (first declared at workers.orchestration[0].id)",
      "workstreams[0].gates[1].id: duplicate gate id 'lint' in workstream 'ws-a' (first declared at workstreams[0].gates[0].id)",
      "workstreams[1].id: duplicate workstream id 'ws-a' (first declared at workstreams[0].id)",
      "workstreams[1].tasks[1].id: duplicate task id 'a1': task ids are unique across the whole plan (first declared at workstreams[0].tasks[0].id)",
    ]);
  });

  it('allows the same gate id in two workstreams (gate ids are per workstream)', () => {
    const plan = parseData(richPlan());
    expect(plan.workstreams.map((w) => w.gates.map((g) => `${g.workstream}/${g.id}`))).toEqual([['ws-a/lint', 'ws-a/unit'], ['ws-b/lint']]);
  });

  it('rejects an entry listed twice in one list', () => {
    const data = richPlan();
    task(data, 1, 1).depends_on = ['b1', 'a2', 'b1'];
    ws(data, 1).depends_on = ['ws-a', 'ws-a'];
    pools(data)[0]!.capabilities = ['node', 'git', 'node'];
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workers.orchestration[0].capabilities[2]: capability 'node' is listed twice (also at index 0)",
      "workstreams[1].depends_on[1]: workstream 'ws-a' is listed twice (also at index 0)",
      "workstreams[1].tasks[1].depends_on[2]: task 'b1' is listed twice (also at index 0)",
    ]);
  });

  it('rejects depending on a skipped workstream, or on a task of one, unless the dependent is skipped too', () => {
    const data = richPlan();
    ws(data, 0).skip = true;
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workstreams[1].depends_on[0]: workstream 'ws-a' is skipped (skip: true), so 'ws-b' could never start: skip it too or drop the dependency",
      "workstreams[1].tasks[1].depends_on[1]: task 'a2' is in workstream 'ws-a', which is skipped (skip: true), so 'b2' could never run",
    ]);
    ws(data, 1).skip = true;
    expect(parseData(data).workstreams.map((w) => w.skip)).toEqual([true, true]);
  });

  it('rejects a derived tool id that is not an id, and a backoff cap below its base', () => {
    const data = richPlan();
    task(data, 0, 1).command = 'g++ -o a a.cc';
    data.retry = { backoff_base_ms: 5000, backoff_cap_ms: 1000 };
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workstreams[0].tasks[1].command: cannot use the program name 'g++' as the task's tool id (ids are [A-Za-z0-9][A-Za-z0-9._-]{0,127}): set 'tool' explicitly",
      'retry.backoff_cap_ms: the backoff cap (1000 ms) is below its base (5000 ms)',
    ]);
    task(data, 0, 1).tool = 'gcc';
    data.retry = { backoff_base_ms: 5000, backoff_cap_ms: 5000 };
    expect(parseData(data).tasks[1]!.tool).toBe('gcc');
  });

  it('warns, without failing, about a gate no task runs and breaker settings for a tool no task uses', () => {
    const data = richPlan();
    task(data, 1, 0).gates = [];
    data.circuit_breakers = { tools: { codemd: { failure_threshold: 2 } } };
    const plan = parseData(data, 'warn.json');
    expect(pathsAndMessages(plan.warnings)).toEqual([
      "workstreams[1].gates[0].id: gate 'lint' is run by no task (list it in a task's gates)",
      "circuit_breakers.tools.codemd: no task uses tool 'codemd' (tools in use: 'node', 'train')",
    ]);
    expect(plan.warnings.every((w) => w.file === 'warn.json' && w.line !== null)).toBe(true);
  });
});
