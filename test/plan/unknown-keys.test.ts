import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/index.js';
import { issuesOf, minimalPlan, parseData, pathsAndMessages } from './plan-fixtures.js';

describe('unknown keys are errors, never ignored', () => {
  it('reports a typo at the key itself, with a suggestion and the allowed keys', () => {
    const data = minimalPlan();
    (data.run as Record<string, unknown>).targt_branch = 'main';
    const issues = issuesOf(() => parseData(data, 'plans/demo.json'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'plans/demo.json', path: 'run.targt_branch' });
    expect(issues[0]!.message).toBe("unknown key 'targt_branch' (did you mean 'target_branch'?); allowed here: id, phase, repository, remote, target_branch, phase_policy, budget");
  });

  it('finds unknown keys at every level: top, task, gate, pool, uet, breaker, patch rules', () => {
    const text = [
      'run: { phase: P, repository: ., colour: red }',
      'patch_rules: { max_byte: 10 }',
      'workers:',
      '  orchestration: [{ id: agent, capability: [node] }]',
      '  uet: { count: 1, size: 2 }',
      'circuit_breakers: { tools: { node: { failure_treshold: 2 } } }',
      'workstreams:',
      '  - id: ws',
      '    gates: [{ id: g, type: LINT, command: x, timeout: 5 }]',
      '    tasks:',
      '      - id: t',
      '        comand: x',
      '        command: x',
      '        gates: [g]',
      'extra: true',
    ].join('\n');
    const issues = issuesOf(() => parsePlan(text, { file: 'p.yaml' }));
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['run.colour', 1],
      ['patch_rules.max_byte', 2],
      ['workers.orchestration[0].capability', 4],
      ['workers.uet.size', 5],
      ['circuit_breakers.tools.node.failure_treshold', 6],
      ['workstreams[0].gates[0].timeout', 9],
      ['workstreams[0].tasks[0].comand', 12],
      ['extra', 15],
    ]);
    expect(issues.every((i) => i.file === 'p.yaml' && i.message.startsWith(`unknown key '`))).toBe(true);
    expect(pathsAndMessages(issues)).toContain(
      "workstreams[0].tasks[0].comand: unknown key 'comand' (did you mean 'command'?); allowed here: id, tool, command, prompt, prompt_file, depends_on, gates, requires, critical, max_retries, timeout_sec, expect_exit, env, sandbox, expect, budget",
    );
    expect(issues.find((i) => i.path === 'patch_rules.max_byte')!.message).toContain("(did you mean 'max_bytes'?)");
    expect(issues.find((i) => i.path === 'extra')!.message).toBe(
      "unknown key 'extra'; allowed here: run, patch_rules, workers, circuit_breakers, retry, sandbox, tools, workstreams",
    );
  });

  it('reports each unknown key of one object separately', () => {
    const data = minimalPlan();
    Object.assign((data.workstreams as Record<string, unknown>[])[0]!, { name: 'x', owner: 'y' });
    expect(issuesOf(() => parseData(data)).map((i) => i.path)).toEqual(['workstreams[0].name', 'workstreams[0].owner']);
  });

  it('ignores top-level x- extension keys, which give YAML anchors a home, and nothing else', () => {
    const text = [
      'x-env: &env { CI: "1", LANG: C }',
      'run: { phase: P, repository: . }',
      'workstreams:',
      '  - id: ws',
      '    tasks: [{ id: t, command: x, env: *env }]',
    ].join('\n');
    expect(parsePlan(text, { file: 'anchors.yaml' }).tasks[0]!.env).toEqual({ CI: '1', LANG: 'C' });
    const nested = minimalPlan();
    (nested.run as Record<string, unknown>)['x-note'] = 'not at the top';
    expect(pathsAndMessages(issuesOf(() => parseData(nested)))).toEqual([
      'run["x-note"]: unknown key \'x-note\'; allowed here: id, phase, repository, remote, target_branch, phase_policy, budget',
    ]);
  });
});
