import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/index.js';
import { minimalPlan, parseData } from './plan-fixtures.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('defaults of a minimal plan', () => {
  it('fills every optional field: run, patch rules, workers, breakers, retry, workstream and task', () => {
    const plan = parsePlan(JSON.stringify(minimalPlan()), { file: '/plans/p.json' });
    expect(plan.run.id).toMatch(ULID);
    expect(plan.run.id_generated).toBe(true);
    expect(plan.run.target_branch).toBe('main');
    expect(plan.run.repository).toBe('/plans/repo');
    expect(plan.patch_rules).toEqual({ allowed_paths: ['**'], forbidden: ['.git/**'], max_bytes: 1_000_000 });
    expect(plan.workers).toEqual({
      orchestration: [{ id: 'agent', count: 1, capabilities: [], max_concurrent_tasks: 1, affinity: [], worker_ids: ['agent-1'] }],
      uet: { count: 1 },
      heartbeat_interval_sec: 60,
      recovery_timeout_sec: 300,
    });
    expect(plan.circuit_breakers).toEqual({
      default: { failure_threshold: 5, cooldown_seconds: 60, success_threshold: 1 },
      tools: { node: { failure_threshold: 5, cooldown_seconds: 60, success_threshold: 1 } },
    });
    expect(plan.retry).toEqual({ backoff_base_ms: 1000, backoff_cap_ms: 300_000 });
    expect(plan.workstreams[0]).toMatchObject({ id: 'ws-a', critical: false, depends_on: [], skip: false, allowed_paths: ['**'], gates: [] });
    expect(plan.tasks[0]).toEqual({
      id: 'a1',
      workstream: 'ws-a',
      tool: 'node',
      breaker: { failure_threshold: 5, cooldown_seconds: 60, success_threshold: 1 },
      command: ['node', 'a.js'],
      depends_on: [],
      gates: [],
      requires: [],
      critical: false,
      max_retries: 3,
      sandbox: { mode: 'auto', network: true, read_only: [], read_write: [] },
      timeout_sec: 1800,
      expect_exit: [0],
      env: {},
    });
  });

  it('generates a fresh ULID per load, or uses generateId', () => {
    const text = JSON.stringify(minimalPlan());
    const a = parsePlan(text).run.id;
    const b = parsePlan(text).run.id;
    expect(a).not.toBe(b);
    expect(parsePlan(text, { generateId: () => 'fixed-id' }).run).toMatchObject({ id: 'fixed-id', id_generated: true });
  });

  it('resolves the repository against the plan file folder, baseDir, or the current directory', () => {
    const text = JSON.stringify(minimalPlan());
    expect(parsePlan(text, { file: 'plans/sub/p.json' }).run.repository).toBe(resolve('plans/sub/repo'));
    expect(parsePlan(text, { file: 'p.json', baseDir: '/elsewhere' }).run.repository).toBe('/elsewhere/repo');
    expect(parsePlan(text).run.repository).toBe(join(process.cwd(), 'repo'));
    const absolute = minimalPlan();
    (absolute.run as Record<string, unknown>).repository = '/srv/repo';
    expect(parseData(absolute).run.repository).toBe('/srv/repo');
  });

  it('derives the tool from the program name: argv[0] basename, or a string command first word after VAR=value', () => {
    const data = minimalPlan();
    const commands: [unknown, string][] = [
      [['/usr/local/bin/python3.12', 'x.py'], 'python3.12'],
      [['./scripts/fix.sh'], 'fix.sh'],
      ['npx eslint src', 'npx'],
      ['  FOO=1 BAR=2 make -j2 all', 'make'],
    ];
    (data.workstreams as unknown[]) = [{ id: 'ws', tasks: commands.map(([command], i) => ({ id: `t${i}`, command })) }];
    expect(parseData(data).tasks.map((t) => t.tool)).toEqual(commands.map(([, tool]) => tool));
  });

  it('merges breaker settings: SSOT defaults, then circuit_breakers.default, then the tool entry', () => {
    const data = minimalPlan();
    data.circuit_breakers = { default: { cooldown_seconds: 30 }, tools: { node: { failure_threshold: 2 }, codemod: { success_threshold: 2 } } };
    (data.workstreams as { tasks: Record<string, unknown>[] }[])[0]!.tasks.push({ id: 'a2', command: 'node b.js', tool: 'codemod' });
    const plan = parseData(data);
    expect(plan.circuit_breakers.default).toEqual({ failure_threshold: 5, cooldown_seconds: 30, success_threshold: 1 });
    expect(plan.circuit_breakers.tools).toEqual({
      codemod: { failure_threshold: 5, cooldown_seconds: 30, success_threshold: 2 },
      node: { failure_threshold: 2, cooldown_seconds: 30, success_threshold: 1 },
    });
    expect(plan.tasks.map((t) => [t.id, t.tool, t.breaker.failure_threshold, t.breaker.success_threshold])).toEqual([
      ['a1', 'node', 2, 1],
      ['a2', 'codemod', 5, 2],
    ]);
  });

  it('accepts a single expect_exit code for a task, and stringifies env values', () => {
    const data = minimalPlan();
    Object.assign((data.workstreams as { tasks: Record<string, unknown>[] }[])[0]!.tasks[0]!, { expect_exit: 3, env: { N: 1, FLAG: true, S: 'x' } });
    const task = parseData(data).tasks[0]!;
    expect(task.expect_exit).toEqual([3]);
    expect(task.env).toEqual({ N: '1', FLAG: 'true', S: 'x' });
  });

  it("keeps a workstream's own allowed_paths, and lets it fall back to the plan's", () => {
    const data = minimalPlan();
    data.patch_rules = { allowed_paths: ['src/**', 'docs/**'] };
    (data.workstreams as Record<string, unknown>[]).push({ id: 'ws-b', allowed_paths: ['docs/**'], tasks: [{ id: 'b1', command: 'true' }] });
    expect(parseData(data).workstreams.map((w) => w.allowed_paths)).toEqual([['src/**', 'docs/**'], ['docs/**']]);
  });
});
