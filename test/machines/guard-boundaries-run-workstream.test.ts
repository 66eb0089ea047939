import { describe, expect, it } from 'vitest';
import { refusal, step, walk, type Ev } from './walk.js';

const T = 30_000_000;
const w = (id: string, state: string, critical = false) => ({ id, state, critical });

describe('run outcome guards (SSOT §3.3, R-1, R-2)', () => {
  const running = () => walk('run', { now: T }, [{ type: 'start', now: T + 1 }]);
  const ev = (type: string, workstreams: ReturnType<typeof w>[]): Ev => ({ type, now: T + 2, workstreams });

  it('succeeds only when every workstream is completed or skipped', () => {
    expect(refusal('run', running(), ev('all_workstreams_done', [w('a', 'completed'), w('b', 'executing')])).kind).toBe('guard_refused');
    const s = step('run', running(), ev('all_workstreams_done', [w('a', 'completed'), w('b', 'skipped')]));
    expect([s.value, s.context.started_at, s.context.completed_at]).toEqual(['succeeded', T + 1, T + 2]);
  });

  it('neither succeeds nor settles with an empty workstream list (a run has workstreams, SSOT §3.3)', () => {
    expect(refusal('run', running(), ev('all_workstreams_done', [])).kind).toBe('guard_refused');
    expect(refusal('run', running(), ev('workstreams_settled', [])).kind).toBe('guard_refused');
  });

  it('fails on a critical workstream failure, not a non-critical one', () => {
    expect(refusal('run', running(), ev('critical_workstream_failed', [w('a', 'failed', false)])).kind).toBe('guard_refused');
    expect(step('run', running(), ev('critical_workstream_failed', [w('a', 'failed', true), w('b', 'executing')])).value).toBe('failed');
  });

  it('fails by R-1 only when every workstream is terminal and not all succeeded', () => {
    expect(refusal('run', running(), ev('workstreams_settled', [w('a', 'failed'), w('b', 'executing')])).kind).toBe('guard_refused');
    expect(refusal('run', running(), ev('workstreams_settled', [w('a', 'completed'), w('b', 'skipped')])).kind).toBe('guard_refused');
    expect(step('run', running(), ev('workstreams_settled', [w('a', 'completed'), w('b', 'cancelled')])).value).toBe('failed');
  });

  it('a run canceled before start keeps started_at null (R-2)', () => {
    const c = walk('run', { now: T }, [{ type: 'cancel', now: T + 1 }]);
    expect([c.value, c.context.started_at, c.context.completed_at]).toEqual(['canceled', null, T + 1]);
  });
});

describe('workstream guards (SSOT §1.3, §3.2, R-3)', () => {
  const input = { now: T, planned_task_count: 2, depends_on: ['up'], critical: false };
  const planned = () => walk('workstream', input, []);
  const executing = () =>
    walk('workstream', input, [
      { type: 'tasks_created', now: T + 1, task_count: 2, dependencies: { up: 'completed' } },
      { type: 'task_started', now: T + 2, tasks: [w('t1', 'running'), w('t2', 'pending')] },
    ]);

  it('is ready only with every planned task created and every dependency completed', () => {
    expect(refusal('workstream', planned(), { type: 'tasks_created', now: T + 1, task_count: 1, dependencies: { up: 'completed' } }).kind).toBe('guard_refused');
    expect(refusal('workstream', planned(), { type: 'tasks_created', now: T + 1, task_count: 2, dependencies: { up: 'executing' } }).kind).toBe('guard_refused');
    expect(refusal('workstream', planned(), { type: 'dependency_unmet', now: T + 1, dependencies: { up: 'completed' } }).kind).toBe('guard_refused');
    expect(refusal('workstream', planned(), { type: 'dependency_failed', now: T + 1, dependencies: { up: 'blocked' } }).kind).toBe('guard_refused');
  });

  it('validates only when all tasks completed and every ledger entry verified or committed', () => {
    const done = [w('t1', 'completed'), w('t2', 'completed')];
    expect(refusal('workstream', executing(), { type: 'tasks_completed', now: T + 3, tasks: done, ledger: [{ id: 'p', state: 'applied' }] }).kind).toBe('guard_refused');
    expect(refusal('workstream', executing(), { type: 'tasks_completed', now: T + 3, tasks: done.slice(0, 1), ledger: [] }).kind).toBe('guard_refused');
    expect(step('workstream', executing(), { type: 'tasks_completed', now: T + 3, tasks: done, ledger: [{ id: 'p', state: 'verified' }] }).value).toBe('validating');
  });

  it('fails at once on a critical task failure or a quarantined patch, recording the quarantined ids', () => {
    expect(refusal('workstream', executing(), { type: 'critical_task_failed', now: T + 3, tasks: [w('t1', 'failed', false)] }).kind).toBe('guard_refused');
    const q = step('workstream', executing(), { type: 'patch_quarantined', now: T + 3, ledger: [{ id: 'p1', state: 'quarantined' }, { id: 'p2', state: 'committed' }] });
    expect([q.value, q.context.quarantined_ledger_ids]).toEqual(['failed', ['p1']]);
  });

  it('completes only when its commits are merged (SSOT §1.3.7 inv. 5)', () => {
    const v = step('workstream', executing(), { type: 'tasks_completed', now: T + 3, tasks: [w('t1', 'completed'), w('t2', 'completed')], ledger: [] });
    expect(refusal('workstream', v, { type: 'validation_passed', now: T + 4, merged: false }).kind).toBe('guard_refused');
    expect(step('workstream', v, { type: 'validation_passed', now: T + 4, merged: true }).context.completed_at).toBe(T + 4);
  });
});
