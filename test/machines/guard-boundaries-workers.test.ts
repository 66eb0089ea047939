import { describe, expect, it } from 'vitest';
import { HEARTBEAT_TIMEOUT_MS, RECOVERY_TIMEOUT_MS } from '../../machines/index.js';
import { refusal, step, walk, type Ev } from './walk.js';

const T = 5_000_000;
const reg: Ev = { type: 'registration_complete', now: T, capabilities: ['node', 'git'] };
const assign = (task_id: string, now = T + 1, extra: Record<string, unknown> = {}): Ev => ({
  type: 'task_assigned',
  now,
  task_id,
  workstream_id: 'ws-a',
  required_capabilities: ['node'],
  ...extra,
});
const idle = (input: Record<string, unknown> = {}) => walk('worker', { now: T, ...input }, [reg]);
const busy = () => step('worker', idle(), assign('t1'));

describe('worker heartbeat freshness (SSOT §1.5, R-6)', () => {
  it('goes unresponsive only when no heartbeat came for more than 120 s', () => {
    expect(refusal('worker', busy(), { type: 'heartbeat_timeout', now: T + HEARTBEAT_TIMEOUT_MS }).kind).toBe('guard_refused');
    const u = step('worker', busy(), { type: 'heartbeat_timeout', now: T + HEARTBEAT_TIMEOUT_MS + 1 });
    expect(u.value).toBe('unresponsive');
    expect(u.context.released_tasks).toEqual(['t1']);
    expect(u.context.current_load).toBe(0);
  });

  it('assigns only with a heartbeat at most 120 s old', () => {
    expect(step('worker', idle(), assign('t1', T + HEARTBEAT_TIMEOUT_MS)).value).toBe('busy');
    expect(refusal('worker', idle(), assign('t1', T + HEARTBEAT_TIMEOUT_MS + 1)).kind).toBe('guard_refused');
    const beat = step('worker', idle(), { type: 'heartbeat', now: T + 100_000 });
    expect(step('worker', beat, assign('t1', T + 100_000 + HEARTBEAT_TIMEOUT_MS)).value).toBe('busy');
  });

  it('recovers within 300 s of going unresponsive, and shuts down only after', () => {
    const since = T + HEARTBEAT_TIMEOUT_MS + 1;
    const u = step('worker', busy(), { type: 'heartbeat_timeout', now: since });
    expect(refusal('worker', u, { type: 'recovery_timeout', now: since + RECOVERY_TIMEOUT_MS }).kind).toBe('guard_refused');
    expect(step('worker', u, { type: 'heartbeat_recovered', now: since + RECOVERY_TIMEOUT_MS }).value).toBe('idle');
    expect(refusal('worker', u, { type: 'heartbeat_recovered', now: since + RECOVERY_TIMEOUT_MS + 1 }).kind).toBe('guard_refused');
    const down = step('worker', u, { type: 'recovery_timeout', now: since + RECOVERY_TIMEOUT_MS + 1 });
    expect(down.value).toBe('shutdown');
    expect(down.context.shutdown_at).toBe(since + RECOVERY_TIMEOUT_MS + 1);
  });
});

describe('worker timeouts from its input (engine setting: 2 × heartbeat interval, recovery window)', () => {
  it('uses heartbeat_timeout_ms and recovery_timeout_ms instead of 120 s / 300 s', () => {
    const fast = step('worker', idle({ heartbeat_timeout_ms: 2_000, recovery_timeout_ms: 3_000 }), assign('t1'));
    expect(refusal('worker', fast, { type: 'heartbeat_timeout', now: T + 2_000 }).kind).toBe('guard_refused');
    const u = step('worker', fast, { type: 'heartbeat_timeout', now: T + 2_001 });
    expect(u.value).toBe('unresponsive');
    expect(refusal('worker', u, { type: 'recovery_timeout', now: T + 5_001 }).kind).toBe('guard_refused');
    expect(step('worker', u, { type: 'recovery_timeout', now: T + 5_002 }).value).toBe('shutdown');
    expect(refusal('worker', step('worker', idle({ heartbeat_timeout_ms: 2_000 }), { type: 'heartbeat', now: T }), assign('t1', T + 2_001)).kind).toBe('guard_refused');
  });
});

describe('worker can-assign rule (SSOT §1.5.6, R-5)', () => {
  it('refuses a task whose capabilities the worker lacks, or outside its affinity', () => {
    expect(refusal('worker', idle(), assign('t1', T + 1, { required_capabilities: ['python'] })).kind).toBe('guard_refused');
    const affine = idle({ affinity: ['ws-b'] });
    expect(refusal('worker', affine, assign('t1')).kind).toBe('guard_refused');
    expect(step('worker', affine, assign('t1', T + 1, { workstream_id: 'ws-b' })).value).toBe('busy');
  });

  it('with capacity 1, a busy worker takes no second task', () => {
    expect(refusal('worker', busy(), assign('t2')).kind).toBe('guard_refused');
  });

  it('with capacity 2, takes a second task while busy and goes idle only when load is back to 0', () => {
    const b1 = step('worker', idle({ max_concurrent_tasks: 2 }), assign('t1'));
    const b2 = step('worker', b1, assign('t2'));
    expect(b2.value).toBe('busy');
    expect(b2.context.current_load).toBe(2);
    expect(refusal('worker', b2, assign('t3')).kind).toBe('guard_refused');
    const b3 = step('worker', b2, { type: 'task_completed', now: T + 2, task_id: 't1' });
    expect([b3.value, b3.context.current_load]).toEqual(['busy', 1]);
    expect(refusal('worker', b3, { type: 'task_completed', now: T + 2, task_id: 't1' }).kind).toBe('guard_refused');
    const i = step('worker', b3, { type: 'task_completed', now: T + 3, task_id: 't2' });
    expect([i.value, i.context.current_load]).toEqual(['idle', 0]);
  });
});

describe('UET worker (SSOT §2.1)', () => {
  const uIdle = () => walk('uet_worker', { now: T }, [{ type: 'spawn_complete', now: T }]);
  it('completes only the task it holds', () => {
    const b = step('uet_worker', uIdle(), { type: 'task_assigned', now: T + 1, task_id: 'p1' });
    expect(refusal('uet_worker', b, { type: 'task_completed', now: T + 2, task_id: 'p2' }).kind).toBe('guard_refused');
    expect(step('uet_worker', b, { type: 'task_completed', now: T + 2, task_id: 'p1' }).value).toBe('IDLE');
  });

  it('records terminated_at and the crash flag when it ends', () => {
    const b = step('uet_worker', uIdle(), { type: 'task_assigned', now: T + 1, task_id: 'p1' });
    const c = step('uet_worker', b, { type: 'crashed', now: T + 9, error: 'heartbeat lost' });
    expect([c.value, c.context.terminated_at, c.context.crashed, c.context.last_error]).toEqual(['TERMINATED', T + 9, true, 'heartbeat lost']);
    const d = step('uet_worker', step('uet_worker', b, { type: 'shutdown_requested', now: T + 2 }), { type: 'drain_complete', now: T + 3 });
    expect([d.value, d.context.crashed, d.context.current_task]).toEqual(['TERMINATED', false, null]);
  });
});
