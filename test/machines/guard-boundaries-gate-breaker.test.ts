import { describe, expect, it } from 'vitest';
import { cooldownRemainingMs, GATE_TIMEOUT_EXIT_CODE } from '../../machines/index.js';
import { refusal, step, walk, type Ev } from './walk.js';

const T = 20_000_000;

describe('circuit breaker thresholds and cooldown (SSOT §2.4)', () => {
  const input = { now: T, failure_threshold: 3, cooldown_seconds: 60, success_threshold: 2 };
  const fail = (now = T + 1): Ev => ({ type: 'call_failed', now, error: 'boom' });
  const failures = (n: number) => walk('circuit_breaker', input, Array.from({ length: n }, () => fail()));

  it('stays CLOSED at threshold−1 failures and opens at the threshold', () => {
    const below = failures(2);
    expect([below.value, below.context.failure_count]).toEqual(['CLOSED', 2]);
    const open = step('circuit_breaker', below, fail(T + 5));
    expect([open.value, open.context.opened_at]).toEqual(['OPEN', T + 5]);
  });

  it('a success in CLOSED resets the failure count', () => {
    const s = step('circuit_breaker', failures(2), { type: 'call_succeeded', now: T + 2 });
    expect([s.value, s.context.failure_count]).toEqual(['CLOSED', 0]);
  });

  it('half-opens exactly when the cooldown is over, not a millisecond before', () => {
    const open = step('circuit_breaker', failures(2), fail(T + 5));
    expect(cooldownRemainingMs(open.context, T + 5 + 59_999)).toBe(1);
    expect(refusal('circuit_breaker', open, { type: 'cooldown_elapsed', now: T + 5 + 59_999 }).kind).toBe('guard_refused');
    expect(step('circuit_breaker', open, { type: 'cooldown_elapsed', now: T + 5 + 60_000 }).value).toBe('HALF_OPEN');
  });

  it('closes after success_threshold half-open successes; a failed trial reopens and restarts the cooldown', () => {
    const half = walk('circuit_breaker', input, [fail(), fail(), fail(T + 5), { type: 'cooldown_elapsed', now: T + 60_005 }]);
    const one = step('circuit_breaker', half, { type: 'call_succeeded', now: T + 60_006 });
    expect([one.value, one.context.success_count]).toEqual(['HALF_OPEN', 1]);
    const closed = step('circuit_breaker', one, { type: 'call_succeeded', now: T + 60_007 });
    expect([closed.value, closed.context.failure_count, closed.context.opened_at]).toEqual(['CLOSED', 0, null]);
    const reopened = step('circuit_breaker', half, fail(T + 70_000));
    expect([reopened.value, reopened.context.opened_at]).toEqual(['OPEN', T + 70_000]);
  });
});

describe('test gate dependencies, exit codes and deadline (SSOT §2.3)', () => {
  const input = { now: T, gate_type: 'UNIT', depends_on: ['lint'], timeout_sec: 30, expected_exit: 0 };
  const start: Ev = { type: 'start', now: T + 10, dependencies: { lint: 'PASSED' } };

  it('starts only when every dependency PASSED; blocks when one FAILED; unblocks when it passes', () => {
    const p = walk('test_gate', input, []);
    expect(refusal('test_gate', p, { ...start, dependencies: { lint: 'RUNNING' } }).kind).toBe('guard_refused');
    expect(refusal('test_gate', p, { type: 'dependency_failed', now: T + 1, dependencies: { lint: 'PASSED' } }).kind).toBe('guard_refused');
    const b = step('test_gate', p, { type: 'dependency_failed', now: T + 1, dependencies: { lint: 'FAILED' } });
    expect(b.value).toBe('BLOCKED');
    expect(step('test_gate', b, { type: 'dependency_passed', now: T + 2, dependencies: { lint: 'PASSED' } }).value).toBe('PENDING');
  });

  it('blocks behind a dependency that is itself BLOCKED, so failures propagate down a chain of gates', () => {
    const p = walk('test_gate', input, []);
    expect(step('test_gate', p, { type: 'dependency_failed', now: T + 1, dependencies: { lint: 'BLOCKED' } }).value).toBe('BLOCKED');
    expect(refusal('test_gate', p, { type: 'dependency_failed', now: T + 1, dependencies: { lint: 'PENDING' } }).kind).toBe('guard_refused');
  });

  it('passes on the expected exit code, fails on any other, recording code, duration and completed_at', () => {
    const r = walk('test_gate', input, [start]);
    expect(refusal('test_gate', r, { type: 'command_succeeded', now: T + 20, exit_code: 1 }).kind).toBe('guard_refused');
    expect(refusal('test_gate', r, { type: 'command_failed', now: T + 20, exit_code: 0 }).kind).toBe('guard_refused');
    const p = step('test_gate', r, { type: 'command_succeeded', now: T + 20, exit_code: 0 });
    expect([p.value, p.context.exit_code, p.context.duration_ms, p.context.completed_at]).toEqual(['PASSED', 0, 10, T + 20]);
    expect(step('test_gate', r, { type: 'command_failed', now: T + 20, exit_code: 2 }).context.exit_code).toBe(2);
  });

  it('times out only after timeout_sec, recording the timeout exit code', () => {
    const r = walk('test_gate', input, [start]);
    expect(refusal('test_gate', r, { type: 'timeout_exceeded', now: T + 10 + 30_000 }).kind).toBe('guard_refused');
    const f = step('test_gate', r, { type: 'timeout_exceeded', now: T + 10 + 30_001 });
    expect([f.value, f.context.exit_code, f.context.timed_out]).toEqual(['FAILED', GATE_TIMEOUT_EXIT_CODE, true]);
  });

  it('restarted (R-8) stays RUNNING and counts the deadline and the duration from the restart', () => {
    const r = walk('test_gate', input, [start]);
    const again = step('test_gate', r, { type: 'restarted', now: T + 50_000 });
    expect([again.value, again.context.started_at]).toEqual(['RUNNING', T + 50_000]);
    expect(refusal('test_gate', again, { type: 'timeout_exceeded', now: T + 50_000 + 30_000 }).kind).toBe('guard_refused');
    expect(step('test_gate', again, { type: 'timeout_exceeded', now: T + 50_000 + 30_001 }).value).toBe('FAILED');
    expect(step('test_gate', again, { type: 'command_succeeded', now: T + 50_020, exit_code: 0 }).context.duration_ms).toBe(20);
  });
});
