import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan, planOrder } from '../../plan/index.js';
import { FIXTURES } from './plan-fixtures.js';

describe('the example plan of the contract', () => {
  it('loads from YAML with every field as written and every default applied', async () => {
    const file = join(FIXTURES, 'plan-md-example.yaml');
    const plan = await loadPlan(file);
    expect(plan.file).toBe(file);
    expect(plan.format).toBe('yaml');
    expect(plan.run).toEqual({ id: 'demo-001', id_generated: false, phase: 'PH-002', repository: join(FIXTURES, 'repo'), target_branch: 'main' });
    expect(plan.patch_rules).toEqual({ allowed_paths: ['src/**', 'test/**'], forbidden: ['.git/**', '**/*.pem', '.env*'], max_bytes: 1_000_000 });
    expect(plan.workers).toEqual({
      orchestration: [{ id: 'agent', count: 2, capabilities: ['node', 'git'], max_concurrent_tasks: 1, affinity: [], worker_ids: ['agent-1', 'agent-2'] }],
      uet: { count: 1 },
      heartbeat_interval_sec: 60,
      recovery_timeout_sec: 300,
    });
    expect(plan.circuit_breakers).toEqual({
      default: { failure_threshold: 5, cooldown_seconds: 60, success_threshold: 1 },
      tools: { codemod: { failure_threshold: 3, cooldown_seconds: 60, success_threshold: 1 } },
    });
    expect(plan.retry).toEqual({ backoff_base_ms: 1000, backoff_cap_ms: 300_000 });

    const [ws] = plan.workstreams;
    expect(plan.workstreams).toHaveLength(1);
    expect(ws!.id).toBe('ws-lint');
    expect(ws!.critical).toBe(true);
    expect(ws!.skip).toBe(false);
    expect(ws!.depends_on).toEqual([]);
    expect(ws!.allowed_paths).toEqual(['src/**']);
    expect(ws!.gates).toEqual([
      { id: 'lint', workstream: 'ws-lint', type: 'LINT', priority: 'medium', command: 'npx eslint src', timeout_sec: 120, expect_exit: 0, depends_on: [], approvers: [] },
      // timeout_sec and expect_exit left out in the example plan of the contract: the test gate defaults (600 s, exit 0).
      { id: 'unit', workstream: 'ws-lint', type: 'UNIT', priority: 'high', command: ['node', '--test'], timeout_sec: 600, expect_exit: 0, depends_on: ['lint'], approvers: [] },
    ]);
    expect(ws!.tasks).toEqual([
      {
        id: 'fix-lint',
        workstream: 'ws-lint',
        tool: 'codemod',
        breaker: { failure_threshold: 3, cooldown_seconds: 60, success_threshold: 1 },
        command: ['node', 'scripts/fix.js'],
        depends_on: [],
        gates: ['lint', 'unit'],
        requires: ['node'],
        critical: true,
        max_retries: 3,
        sandbox: { mode: 'auto', network: true, read_only: [], read_write: [] },
        timeout_sec: 1800,
        expect_exit: [0],
        env: { KEY: 'value' },
      },
    ]);
    expect(plan.tasks).toEqual(ws!.tasks);
    expect(plan.warnings).toEqual([]);
    expect(planOrder(plan)).toEqual({ workstreams: ['ws-lint'], tasks: ['fix-lint'], gates: { 'ws-lint': ['lint', 'unit'] } });
  });

  it('loads from JSON to the same plan', async () => {
    const fromYaml = await loadPlan(join(FIXTURES, 'plan-md-example.yaml'));
    const fromJson = await loadPlan(join(FIXTURES, 'plan-md-example.json'));
    expect(fromJson.format).toBe('json');
    expect(fromJson.file).toBe(join(FIXTURES, 'plan-md-example.json'));
    expect({ ...fromJson, file: null, format: null }).toEqual({ ...fromYaml, file: null, format: null });
  });
});
