import { describe, expect, it } from 'vitest';
import { issuesOf, parseData, pathsAndMessages, richPlan } from './plan-fixtures.js';

type Obj = Record<string, unknown>;
const ws = (data: Obj, i: number) => (data.workstreams as Obj[])[i]!;
const task = (data: Obj, w: number, t: number) => (ws(data, w).tasks as Obj[])[t]!;
const pools = (data: Obj) => (data.workers as { orchestration: Obj[] }).orchestration;

describe("a task's requires must be met by some orchestration pool", () => {
  it('names the task, its requirements and what each closest pool lacks', () => {
    const data = richPlan();
    task(data, 0, 1).requires = ['node', 'docker'];
    expect(issuesOf(() => parseData(data, 'caps.json'))).toEqual([
      expect.objectContaining({
        file: 'caps.json',
        path: 'workstreams[0].tasks[1].requires',
        message: "task 'a2' requires 'node', 'docker', which no orchestration pool has: pool 'agent' lacks 'docker'; pool 'gpu' lacks 'docker' (no pool at all has 'docker')",
      }),
    ]);
  });

  it('needs all capabilities in one pool: two pools each having half do not do', () => {
    const data = richPlan();
    task(data, 1, 1).requires = ['git', 'cuda'];
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workstreams[1].tasks[1].requires: task 'b2' requires 'git', 'cuda', which no orchestration pool has: pool 'agent' lacks 'cuda'; pool 'gpu' lacks 'git'",
    ]);
  });

  it("honours affinity: a capable pool whose affinity excludes the task's workstream does not count", () => {
    const data = richPlan();
    task(data, 0, 1).requires = ['cuda'];
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workstreams[0].tasks[1].requires: task 'a2' requires 'cuda': no orchestration pool may run it: pool 'gpu' has these capabilities but its affinity ('ws-b') excludes workstream 'ws-a'",
    ]);
    pools(data)[1]!.affinity = ['ws-b', 'ws-a'];
    expect(parseData(data).tasks[1]!.requires).toEqual(['cuda']);
  });

  it('reports a task without requirements when every pool is bound to other workstreams', () => {
    const data = richPlan();
    pools(data)[0]!.affinity = ['ws-b'];
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workstreams[0].tasks[0].requires: task 'a1' requires 'node': no orchestration pool may run it: pool 'agent' has these capabilities but its affinity ('ws-b') excludes workstream 'ws-a'; pool 'gpu' has these capabilities but its affinity ('ws-b') excludes workstream 'ws-a'",
      "workstreams[0].tasks[1].id: task 'a2' of workstream 'ws-a': no orchestration pool may run it: pool 'agent' is limited by its affinity to 'ws-b'; pool 'gpu' is limited by its affinity to 'ws-b'",
    ]);
  });

  it('does not check the tasks of a skipped workstream, which never run', () => {
    const data = richPlan();
    ws(data, 1).skip = true;
    task(data, 1, 0).requires = ['tpu'];
    expect(parseData(data).workstreams[1]!.skip).toBe(true);
  });

  it('accepts requirements met by the default pool only when they are empty', () => {
    const data: Obj = { run: { phase: 'P', repository: '.' }, workstreams: [{ id: 'w', tasks: [{ id: 't', command: 'x', requires: ['node'] }] }] };
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workstreams[0].tasks[0].requires: task 't' requires 'node', which no orchestration pool has: pool 'agent' lacks 'node' (no pool at all has 'node')",
    ]);
  });
});
