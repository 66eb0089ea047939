import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLAN_LIMITS } from '../../plan/index.js';
import { runGantry } from '../cli/run-gantry.js';
import { issuesOf, minimalPlan, parseData, pathsAndMessages } from './plan-fixtures.js';

type Obj = Record<string, unknown>;
const dir = mkdtempSync(join(tmpdir(), 'gantry-plan-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A plan whose every number is beyond what the engine can honour. */
function absurdPlan(): Obj {
  const data = minimalPlan();
  const ws = (data['workstreams'] as Obj[])[0]!;
  Object.assign((ws['tasks'] as Obj[])[0]!, { timeout_sec: 1e11, max_retries: 1e12 });
  ws['gates'] = [{ id: 'g', type: 'UNIT', command: 'true', timeout_sec: 3e9 }];
  data['patch_rules'] = { max_bytes: 1e12 };
  data['workers'] = { orchestration: [{ id: 'agent', count: 1e9, max_concurrent_tasks: 1e10 }], uet: { count: 5000 }, heartbeat_interval_sec: 1e-9, recovery_timeout_sec: 1e10 };
  data['retry'] = { backoff_base_ms: 1e15, backoff_cap_ms: 2 ** 31 };
  data['circuit_breakers'] = { default: { failure_threshold: 1e10, cooldown_seconds: 1e10 } };
  return data;
}

describe('plan numbers are bounded by what the engine can honour', () => {
  it('each absurd number is an issue naming the key, the limit and why', () => {
    expect(pathsAndMessages(issuesOf(() => parseData(absurdPlan())))).toEqual([
      'workstreams[0].tasks[0].timeout_sec: expected a number ≤ 2147483 (the longest timer Node.js holds is 2^31-1 ms), got the integer 100000000000',
      'workstreams[0].tasks[0].max_retries: expected a number ≤ 2147483647 (it is stored in a 32-bit integer column), got the integer 1000000000000',
      'workstreams[0].gates[0].timeout_sec: expected a number ≤ 2147483 (the longest timer Node.js holds is 2^31-1 ms), got the integer 3000000000',
      'patch_rules.max_bytes: expected a number ≤ 268435456 (a patch must fit the git output buffer (512 MiB) and the patches.bytes column), got the integer 1000000000000',
      'workers.orchestration[0].count: expected a number ≤ 1000 (each is a persisted entity and an actor created when the run starts), got the integer 1000000000',
      'workers.orchestration[0].max_concurrent_tasks: expected a number ≤ 2147483647 (it is stored in a 32-bit integer column), got the integer 10000000000',
      'workers.uet.count: expected a number ≤ 1000 (each is a persisted entity and an actor created when the run starts), got the integer 5000',
      'workers.heartbeat_interval_sec: expected a number ≥ 0.01 (heartbeats are timers (2^31-1 ms, the watchdog waits 2 intervals) and under 10 ms they would spin), got the number 1e-9',
      'workers.recovery_timeout_sec: expected a number ≤ 2147483 (the longest timer Node.js holds is 2^31-1 ms), got the integer 10000000000',
      'retry.backoff_base_ms: expected a number ≤ 2147483647 (the longest timer Node.js holds is 2^31-1 ms), got the integer 1000000000000000',
      'retry.backoff_cap_ms: expected a number ≤ 2147483647 (the longest timer Node.js holds is 2^31-1 ms), got the integer 2147483648',
      'circuit_breakers.default.failure_threshold: expected a number ≤ 2147483647 (it is stored in a 32-bit integer column), got the integer 10000000000',
      'circuit_breakers.default.cooldown_seconds: expected a number ≤ 2147483 (the longest timer Node.js holds is 2^31-1 ms), got the integer 10000000000',
    ]);
  });

  it('the limits themselves are accepted', () => {
    const data = minimalPlan();
    Object.assign(((data['workstreams'] as Obj[])[0]!['tasks'] as Obj[])[0]!, { timeout_sec: PLAN_LIMITS.timeoutSec.max });
    data['retry'] = { backoff_base_ms: PLAN_LIMITS.delayMs.max, backoff_cap_ms: PLAN_LIMITS.delayMs.max };
    expect(() => parseData(data)).not.toThrow();
  });

  it('gantry plan check names the key and the limit, exit 2', async () => {
    const file = join(dir, 'absurd.json');
    writeFileSync(file, JSON.stringify(absurdPlan(), null, 2));
    const { code, stdout, stderr } = await runGantry(['plan', 'check', file]);
    const out = `${stdout}${stderr}`;
    expect(code).toBe(2);
    expect(out).toMatch(/absurd\.json:\d+:\d+: workstreams\[0\]\.tasks\[0\]\.timeout_sec: expected a number ≤ 2147483 \(the longest timer Node\.js holds is 2\^31-1 ms\), got the integer 100000000000/);
    expect(out).toMatch(/retry\.backoff_base_ms: expected a number ≤ 2147483647/);
  });
});
