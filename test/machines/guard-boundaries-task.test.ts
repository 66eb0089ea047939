import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../machines/index.js';
import { refusal, step, walk, type Ev } from './walk.js';

const T = 1_000_000;
const input = { now: T, depends_on: ['a'], gate_dependencies: ['lint'], required_capabilities: ['node'], max_retries: 2 };
const queue: Ev = { type: 'scheduler_assigned', now: T + 1, dependencies: { a: 'completed' }, gates: {} };
const start: Ev = { type: 'worker_started', now: T + 2, worker_id: 'w-1', worker_capabilities: ['node'] };
const fail: Ev = { type: 'execution_failed', now: T + 3, exit_code: 1, jitter: 0 };
const due: Ev = { type: 'retry_delay_elapsed', now: T + 10_000_000 };
const running = (retries: number) => {
  const evs: Ev[] = [queue, start];
  for (let i = 0; i < retries; i++) evs.push(fail, due, start);
  return walk('task', input, evs);
};

describe('task retry limit (SSOT §1.4.5 inv. 4, R-4)', () => {
  it('retries at retry_count = max−1 and fails at retry_count = max', () => {
    const atMaxMinus1 = running(1);
    expect(atMaxMinus1.context.retry_count).toBe(1);
    expect(step('task', atMaxMinus1, fail).value).toBe('retrying');
    const atMax = running(2);
    expect(atMax.context.retry_count).toBe(2);
    const failed = step('task', atMax, fail);
    expect(failed.value).toBe('failed');
    expect(failed.context.retry_count).toBe(2);
    expect(failed.context.last_error).toBe('exit code 1');
  });

  it('treats a timeout as a failed attempt: retried while retries remain, failed after', () => {
    const timeout: Ev = { type: 'timeout_exceeded', now: T + 5 };
    const r = step('task', running(1), timeout);
    expect(r.value).toBe('retrying');
    expect(r.context.timeout_occurred).toBe(true);
    expect(step('task', running(2), timeout).value).toBe('failed');
  });

  it('fails at once when max_retries is 0', () => {
    const s = walk('task', { ...input, max_retries: 0 }, [queue, start, fail]);
    expect(s.value).toBe('failed');
  });
});

describe('task backoff and retry due time', () => {
  it('stores retry_at = now + backoff and refuses retry_delay_elapsed one millisecond early', () => {
    const retrying = step('task', running(0), { ...fail, jitter: 1 });
    const retryAt = retrying.context.retry_at as number;
    expect(retryAt - (T + 3)).toBe(backoffDelay(DEFAULT_BACKOFF, 1, 1));
    expect(refusal('task', retrying, { type: 'retry_delay_elapsed', now: retryAt - 1 }).kind).toBe('guard_refused');
    expect(step('task', retrying, { type: 'retry_delay_elapsed', now: retryAt }).value).toBe('queued');
  });

  it('doubles per attempt up to the cap, with jitter between half and all of it', () => {
    const p = { base_ms: 1000, cap_ms: 10_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(p, n, 1))).toEqual([1000, 2000, 4000, 8000, 10_000]);
    expect(backoffDelay(p, 3, 0)).toBe(2000);
  });
});

describe('task dependency, capability, exit code and validation guards', () => {
  it('queues only when dependencies are completed and existing gate dependencies PASSED (SSOT §8.4.2)', () => {
    const s = walk('task', input, []);
    expect(refusal('task', s, { ...queue, dependencies: { a: 'running' } }).kind).toBe('guard_refused');
    expect(refusal('task', s, { ...queue, gates: { lint: 'FAILED' } }).kind).toBe('guard_refused');
    expect(step('task', s, { ...queue, gates: { lint: 'PASSED' } }).value).toBe('queued');
    const blocked = step('task', s, { type: 'dependency_check_failed', now: T + 1, dependencies: { a: 'running' }, gates: { lint: 'FAILED' } });
    expect(blocked.value).toBe('blocked');
    expect(blocked.context.blocked_by).toEqual(['a', 'lint']);
    expect(refusal('task', s, { type: 'dependency_check_failed', now: T + 1, dependencies: { a: 'completed' }, gates: {} }).kind).toBe('guard_refused');
    expect(step('task', blocked, { type: 'dependency_satisfied', now: T + 2, dependencies: { a: 'completed' }, gates: { lint: 'PASSED' } }).context.blocked_by).toEqual([]);
  });

  it('cancels with dependency_failed only when a dependency failed or was cancelled (EXT-2)', () => {
    const s = walk('task', input, []);
    expect(refusal('task', s, { type: 'dependency_failed', now: T + 1, dependencies: { a: 'running' } }).kind).toBe('guard_refused');
    expect(step('task', s, { type: 'dependency_failed', now: T + 1, dependencies: { a: 'cancelled' } }).value).toBe('cancelled');
  });

  it('starts only on a worker with every required capability, and holds worker_id exactly while running', () => {
    const q = walk('task', input, [queue]);
    expect(refusal('task', q, { ...start, worker_capabilities: ['git'] }).kind).toBe('guard_refused');
    const r = step('task', q, start);
    expect(r.context.worker_id).toBe('w-1');
    expect(r.context.deadline_at).toBe(T + 2 + 1800 * 1000);
    expect(step('task', r, { type: 'execution_completed', now: T + 3, exit_code: 0 }).context.worker_id).toBeNull();
  });

  it('accepts exactly the expected exit codes', () => {
    const r = walk('task', { ...input, expected_exit: [0, 3] }, [queue, start]);
    expect(step('task', r, { type: 'execution_completed', now: T + 3, exit_code: 3 }).value).toBe('validating');
    const e = refusal('task', r, { type: 'execution_completed', now: T + 3, exit_code: 1 });
    expect(e.kind).toBe('guard_refused');
    expect(e.guards).toEqual(['exitCodeExpected']);
  });

  it('completes only when every gate dependency PASSED and the ledger entry is verified or committed (SSOT §3.1)', () => {
    const v = walk('task', input, [queue, start, { type: 'execution_completed', now: T + 3, exit_code: 0 }]);
    const pass = (gates: Record<string, string>, ledger_state: string | null): Ev => ({ type: 'validation_passed', now: T + 4, gates, ledger_state });
    expect(refusal('task', v, pass({}, null)).kind).toBe('guard_refused');
    expect(refusal('task', v, pass({ lint: 'RUNNING' }, null)).kind).toBe('guard_refused');
    expect(refusal('task', v, pass({ lint: 'PASSED' }, 'applied')).kind).toBe('guard_refused');
    expect(step('task', v, pass({ lint: 'PASSED' }, 'verified')).value).toBe('completed');
    expect(step('task', v, pass({ lint: 'PASSED' }, null)).context.completed_at).toBe(T + 4);
  });
});
