import { describe, expect, it } from 'vitest';
import { rerunOpen } from '../../machines/index.js';
import { refusal, step, walk, type Ev } from './walk.js';

const T = 40_000_000;
const done = (id: string) => ({ id, state: 'completed', critical: false });

/** A workstream of two tasks in `validating`, with `on_conflict` / `max_conflict_rounds` as given. */
function validating(extra: Record<string, unknown> = {}) {
  const input = { now: T, planned_task_count: 2, ...extra };
  return walk('workstream', input, [
    { type: 'tasks_created', now: T + 1, task_count: 2, dependencies: {} },
    { type: 'task_started', now: T + 2, tasks: [{ id: 't1', state: 'running', critical: false }, { id: 't2', state: 'queued', critical: false }] },
    { type: 'tasks_completed', now: T + 3, tasks: [done('t1'), done('t2')], ledger: [{ id: 'p1', state: 'committed' }] },
  ]);
}
const rebaseStarted: Ev = { type: 'rebase_started', now: T + 4, paths: ['src/a.js'], reason: 'merge conflicts in src/a.js' };
const rerunStarted: Ev = { type: 'rerun_started', now: T + 5, paths: ['src/a.js'], rerun_tasks: ['t1'], reason: 'replay conflicts in src/a.js' };

// EXT-7 / EXT-8 (issue 15 part 2): the conflict rounds of a validating workstream — which one its on_conflict allows,
// the bound max_conflict_rounds enforced by the guards, the round recorded in the context, and re-run tasks allowed
// to run (rerunOpen) until rerun_settled.
describe('conflict rounds of the workstream machine (EXT-7, EXT-8)', () => {
  it('rebase (default): a round is counted and recorded with its paths; a replay that conflicts may only fall back to a re-run', () => {
    const s = step('workstream', validating(), rebaseStarted);
    expect([s.value, s.context.conflict_rounds, s.context.conflict]).toEqual(['validating', 1, { round: 1, step: 'rebase', paths: ['src/a.js'], rerun_tasks: [], head: null, settled: false }]);
    expect(refusal('workstream', s, { ...rebaseStarted, now: T + 5 }).kind).toBe('guard_refused');
    const r = step('workstream', s, rerunStarted);
    expect([r.context.conflict_rounds, r.context.conflict?.step, r.context.conflict?.rerun_tasks]).toEqual([2, 'rerun', ['t1']]);
  });

  it('rebased records the replayed tip once; a later conflict (the target moved) may rebase again while rounds remain', () => {
    const s = step('workstream', step('workstream', validating({ max_conflict_rounds: 3 }), rebaseStarted), { type: 'rebased', now: T + 5, head: 'b'.repeat(40) });
    expect(s.context.conflict?.head).toBe('b'.repeat(40));
    expect(refusal('workstream', s, { type: 'rebased', now: T + 6, head: 'c'.repeat(40) }).kind).toBe('guard_refused');
    expect(step('workstream', s, { ...rebaseStarted, now: T + 6, paths: [] }).context.conflict).toMatchObject({ round: 2, step: 'rebase', head: null });
  });

  it('the bound: with max_conflict_rounds taken no round starts, and 0 allows none', () => {
    const one = step('workstream', validating({ max_conflict_rounds: 1 }), rebaseStarted);
    expect(refusal('workstream', one, rerunStarted).kind).toBe('guard_refused');
    const none = validating({ max_conflict_rounds: 0 });
    expect(refusal('workstream', none, rebaseStarted).kind).toBe('guard_refused');
    expect(refusal('workstream', none, rerunStarted).kind).toBe('guard_refused');
  });

  it('on_conflict: fail takes no round; rerun never rebases', () => {
    const fail = validating({ on_conflict: 'fail' });
    expect(refusal('workstream', fail, rebaseStarted).kind).toBe('guard_refused');
    expect(refusal('workstream', fail, rerunStarted).kind).toBe('guard_refused');
    expect(step('workstream', fail, { type: 'validation_failed', now: T + 4, reason: 'conflicts in src/a.js', paths: ['src/a.js'] }).value).toBe('failed');
    const rerun = validating({ on_conflict: 'rerun' });
    expect(refusal('workstream', rerun, rebaseStarted).kind).toBe('guard_refused');
    expect(step('workstream', rerun, { ...rerunStarted, now: T + 4 }).context.conflict).toMatchObject({ round: 1, step: 'rerun' });
  });

  it('a re-run keeps its tasks runnable (rerunOpen) until every task completed again and every patch is verified or committed', () => {
    const r = step('workstream', validating({ on_conflict: 'rerun' }), { ...rerunStarted, now: T + 4 });
    expect(rerunOpen(String(r.value), r.context)).toBe(true);
    const pending = { type: 'rerun_settled', now: T + 6, tasks: [{ id: 't1.c1', state: 'running', critical: false }, done('t2')], ledger: [{ id: 'p1', state: 'committed' }] } as Ev;
    expect(refusal('workstream', r, pending).kind).toBe('guard_refused');
    const settled = step('workstream', r, { ...pending, tasks: [done('t1.c1'), done('t2')], ledger: [{ id: 'p1', state: 'committed' }, { id: 'p2', state: 'committed' }] } as Ev);
    expect([settled.value, settled.context.conflict?.settled, rerunOpen(String(settled.value), settled.context)]).toEqual(['validating', true, false]);
    expect(rerunOpen('validating', validating().context)).toBe(false);
  });
});
