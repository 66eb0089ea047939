import { describe, expect, it } from 'vitest';
import { parseEventOf } from '../../machines/index.js';
import { refusal, step, walk, type Ev } from './walk.js';

const T = 30_000_000;

// EXT-6 (issue 15): a MANUAL gate waits in RUNNING until one of its approvers approves (→ PASSED, the expected exit
// code recorded) or rejects it (→ FAILED); anyone else is refused by the guard, and a gate without approvers (every
// command gate) can never be decided that way.
describe('manual gate decisions (EXT-6)', () => {
  const input = { now: T, gate_type: 'MANUAL', depends_on: [], approvers: ['alice', 'bob'] };
  const start: Ev = { type: 'start', now: T + 1, dependencies: {}, reason: 'waiting for approval by alice or bob' };
  const decide = (type: 'approved' | 'rejected', operator: string, now = T + 5000): Ev => ({ type, now, operator, reason: 'checked' });

  it('an approver approves: PASSED with the expected exit code, completed and timed', () => {
    const passed = step('test_gate', walk('test_gate', input, [start]), decide('approved', 'bob'));
    expect([passed.value, passed.context.exit_code, passed.context.completed_at, passed.context.duration_ms]).toEqual(['PASSED', 0, T + 5000, 4999]);
  });

  it('an approver rejects: FAILED with exit code 1 (0 when 1 is expected)', () => {
    expect(step('test_gate', walk('test_gate', input, [start]), decide('rejected', 'alice')).context.exit_code).toBe(1);
    const one = walk('test_gate', { ...input, expected_exit: 1 }, [start]);
    const failed = step('test_gate', one, decide('rejected', 'alice'));
    expect([failed.value, failed.context.exit_code]).toEqual(['FAILED', 0]);
  });

  it('refuses an operator who is not an approver, a decision before the gate waits, and a gate without approvers', () => {
    const waiting = walk('test_gate', input, [start]);
    expect(refusal('test_gate', waiting, decide('approved', 'mallory')).kind).toBe('guard_refused');
    expect(refusal('test_gate', waiting, decide('rejected', 'mallory')).kind).toBe('guard_refused');
    expect(refusal('test_gate', walk('test_gate', input, []), decide('approved', 'alice')).kind).not.toBe('accepted');
    const unit = walk('test_gate', { now: T, gate_type: 'UNIT' }, [{ type: 'start', now: T + 1, dependencies: {} }]);
    expect(refusal('test_gate', unit, decide('approved', 'alice')).kind).toBe('guard_refused');
  });

  it('refuses a decision without a reason or with a malformed operator name (payload)', () => {
    expect(() => parseEventOf('test_gate', { type: 'approved', now: T + 2, operator: 'alice' })).toThrow();
    expect(() => parseEventOf('test_gate', { type: 'approved', now: T + 2, operator: 'a b', reason: 'x' })).toThrow();
    expect(parseEventOf('test_gate', { type: 'approved', now: T + 2, operator: 'alice@example.org', reason: 'x' }).type).toBe('approved');
  });
});
