import { describe, expect, it } from 'vitest';
import { refusal, step, walk, type Ev } from './walk.js';

const T = 9_000_000;
const input = { now: T, patch_id: 'patch-1' };
const ok: Ev = { type: 'validation_passed', now: T + 1, format: true, scope: true, constraints: true };
const accept: Ev = { type: 'accepted', now: T + 2, policy_allowed: true };
const applyFail: Ev = { type: 'apply_failed', now: T + 3, error: 'conflict in src/a.ts' };
const retry: Ev = { type: 'retry_apply', now: T + 4 };
const failedTimes = (n: number) => {
  const evs: Ev[] = [ok, accept, applyFail];
  for (let i = 1; i < n; i++) evs.push(retry, applyFail);
  return walk('patch_ledger', input, evs);
};

describe('patch ledger apply attempts (SSOT §2.2.7, EXT-3)', () => {
  it('retries at 2 attempts and quarantines at 3', () => {
    const two = failedTimes(2);
    expect(two.context.apply_attempts).toBe(2);
    expect(step('patch_ledger', two, retry).value).toBe('queued');
    expect(refusal('patch_ledger', two, { type: 'auto_quarantine', now: T + 5, reason: 'exhausted' }).kind).toBe('guard_refused');
    const three = failedTimes(3);
    expect(three.context.apply_attempts).toBe(3);
    expect(refusal('patch_ledger', three, retry).kind).toBe('guard_refused');
    const q = step('patch_ledger', three, { type: 'auto_quarantine', now: T + 5, reason: 'apply failed 3 times' });
    expect([q.value, q.context.quarantine_reason, q.context.quarantined_at]).toEqual(['quarantined', 'apply failed 3 times', T + 5]);
  });
});

describe('patch ledger checks, policy, tests, commit and rollback guards (SSOT §2.2)', () => {
  it('validates only when format, scope and constraints all passed, and sets the flags', () => {
    const c = walk('patch_ledger', input, []);
    expect(refusal('patch_ledger', c, { ...ok, scope: false }).kind).toBe('guard_refused');
    expect(step('patch_ledger', c, ok).context.validation).toEqual({ format: true, scope: true, constraints: true, tests: false });
  });

  it('quarantines only with a reason', () => {
    const c = walk('patch_ledger', input, []);
    expect(refusal('patch_ledger', c, { type: 'validation_failed', now: T + 1, reason: '' }).kind).toBe('guard_refused');
    expect(step('patch_ledger', c, { type: 'validation_failed', now: T + 1, reason: 'touches .git/config' }).context.quarantine_reason).toBe('touches .git/config');
  });

  it('queues only when the phase policy allows it', () => {
    const v = walk('patch_ledger', input, [ok]);
    expect(refusal('patch_ledger', v, { ...accept, policy_allowed: false }).kind).toBe('guard_refused');
  });

  it('verifies only when every gate PASSED, quarantines naming the failed gates', () => {
    const a = walk('patch_ledger', input, [ok, accept, { type: 'apply_succeeded', now: T + 3 }]);
    expect(refusal('patch_ledger', a, { type: 'tests_passed', now: T + 4, gates: { unit: 'PASSED', lint: 'FAILED' } }).kind).toBe('guard_refused');
    expect(step('patch_ledger', a, { type: 'tests_passed', now: T + 4, gates: { unit: 'PASSED' } }).context.validation.tests).toBe(true);
    expect(refusal('patch_ledger', a, { type: 'tests_failed', now: T + 4, reason: 'x', failed_gates: [] }).kind).toBe('guard_refused');
  });

  it('verifies only when every required gate is reported PASSED: an empty gates map is refused (SSOT §2.2)', () => {
    const gated = { ...input, required_gates: ['unit', 'lint'] };
    const a = walk('patch_ledger', gated, [ok, accept, { type: 'apply_succeeded', now: T + 3 }]);
    expect(refusal('patch_ledger', a, { type: 'tests_passed', now: T + 4, gates: {} }).kind).toBe('guard_refused');
    expect(refusal('patch_ledger', a, { type: 'tests_passed', now: T + 4, gates: { unit: 'PASSED' } }).kind).toBe('guard_refused');
    expect(step('patch_ledger', a, { type: 'tests_passed', now: T + 4, gates: { unit: 'PASSED', lint: 'PASSED' } }).value).toBe('verified');
  });

  it('drops a patch that failed to apply only on an operator decision (SSOT §2.2); a quarantined one as before (EXT-4)', () => {
    const f = walk('patch_ledger', input, [ok, accept, applyFail]);
    expect(refusal('patch_ledger', f, { type: 'drop', now: T + 4 }).kind).toBe('guard_refused');
    expect(step('patch_ledger', f, { type: 'drop', now: T + 4, operator: 'alice' }).value).toBe('dropped');
    const q = walk('patch_ledger', input, [{ type: 'validation_failed', now: T + 1, reason: 'touches .git/config' }]);
    expect(step('patch_ledger', q, { type: 'drop', now: T + 2 }).value).toBe('dropped');
  });

  it('commits only with a sha, rolls back only after a successful compensation with a reason', () => {
    const v = walk('patch_ledger', input, [ok, accept, { type: 'apply_succeeded', now: T + 3 }, { type: 'tests_passed', now: T + 4, gates: {} }]);
    expect(refusal('patch_ledger', v, { type: 'commit_succeeded', now: T + 5, commit_sha: 'not-a-sha' }).kind).toBe('guard_refused');
    const c = step('patch_ledger', v, { type: 'commit_succeeded', now: T + 5, commit_sha: 'deadbeef' });
    expect(c.context.commit_sha).toBe('deadbeef');
    expect(refusal('patch_ledger', c, { type: 'rollback', now: T + 6, reason: 'regression', compensation_succeeded: false }).kind).toBe('guard_refused');
    const r = step('patch_ledger', c, { type: 'rollback', now: T + 6, reason: 'regression', compensation_succeeded: true });
    expect([r.value, r.context.rollback_reason, r.context.rolled_back_at]).toEqual(['rolled_back', 'regression', T + 6]);
  });

  it('grows state_history by one entry per state entered (SSOT §2.2.5)', () => {
    const s = failedTimes(2);
    expect(s.context.state_history.map((h: { state: string }) => h.state)).toEqual(['created', 'validated', 'queued', 'apply_failed', 'queued', 'apply_failed']);
  });
});
