import { describe, expect, it } from 'vitest';
import { relativeId, shortReason, tailLines, transitionReason, type TransitionFacts } from '../../ops/transition-reason.js';

const t = (over: Partial<TransitionFacts>): TransitionFacts => ({
  entityType: 'task', entityId: 'r.a', fromState: 'running', toState: 'failed', trigger: 'execution_failed', reason: null, operator: null, severity: 'error', event: null, ...over,
});

describe('transitionReason: why an entity entered its state, from the transition alone', () => {
  it('a failed command: its exit code and the last lines of its stderr, on one line', () => {
    const error = `exit code 2: ${['one', 'two', '', 'three', 'four'].join('\n')}`;
    expect(transitionReason(t({ event: { type: 'execution_failed', error } }))).toBe('exit code 2: … | two | three | four');
    expect(tailLines('a\n\nb\n')).toBe('a | b');
    expect(shortReason('x'.repeat(1000)).length).toBeLessThanOrEqual(400);
  });

  it('a gate: its exit code and the tail of its recorded stderr (stdout when stderr is empty)', () => {
    const gate = t({ entityType: 'test_gate', entityId: 'r.a.lint.a1', fromState: 'RUNNING', toState: 'FAILED', trigger: 'command_failed', event: { type: 'command_failed', exit_code: 4 } });
    expect(transitionReason(gate)).toBe('exit code 4');
    expect(transitionReason(gate, { id: gate.entityId, exitCode: 4, stdoutTail: 'out\n', stderrTail: 'bad\n' })).toBe('exit code 4: bad');
    expect(transitionReason(gate, { id: gate.entityId, exitCode: 4, stdoutTail: 'out\n', stderrTail: '' })).toBe('exit code 4: out');
  });

  it('a dependency: the ones that failed or were cancelled, named relative to the dependant', () => {
    const dep = t({ toState: 'cancelled', trigger: 'dependency_failed', severity: 'warning', reason: 'a dependency failed', event: { type: 'dependency_failed', dependencies: { 'r.b': 'failed', 'r.c': 'completed', 'r.d': 'cancelled' } } });
    expect(transitionReason(dep)).toBe('a dependency failed: b failed, d cancelled');
    expect(relativeId('r.t.integration.a1', 'r.t.security.a1')).toBe('security.a1');
    expect(relativeId('r', 'r.ws')).toBe('ws');
  });

  it("a run's end: the workstreams that did not complete", () => {
    const run = t({ entityType: 'run', entityId: 'r', toState: 'failed', trigger: 'workstreams_settled', event: { type: 'workstreams_settled', workstreams: [{ id: 'r.a', state: 'completed' }, { id: 'r.b', state: 'failed' }] } });
    expect(transitionReason(run)).toBe('not every workstream completed: b failed');
  });

  it('a manual gate (EXT-6): whom it waits for, then the approver and their reason — not an exit code', () => {
    const gate = (over: Partial<TransitionFacts>) => t({ entityType: 'test_gate', entityId: 'r.a.review.a1', ...over });
    const waiting = gate({ fromState: 'PENDING', toState: 'RUNNING', trigger: 'start', severity: 'info', event: { type: 'start', dependencies: { 'r.a.unit.a1': 'PASSED' }, reason: 'waiting for approval by alice or bob' } });
    expect(transitionReason(waiting)).toBe('waiting for approval by alice or bob');
    expect(transitionReason(gate({ fromState: 'PENDING', toState: 'RUNNING', trigger: 'start', severity: 'info', event: { type: 'start', dependencies: {} } }))).toBeNull();
    const rejected = gate({ fromState: 'RUNNING', toState: 'FAILED', trigger: 'rejected', severity: 'error', operator: 'bob', reason: 'not yet', event: { type: 'rejected', operator: 'bob', reason: 'not yet' } });
    expect(transitionReason(rejected, { id: 'r.a.review.a1', exitCode: 1, stdoutTail: '', stderrTail: '' })).toBe('by bob: not yet');
  });

  it("an operator's act: their name and reason", () => {
    expect(transitionReason(t({ fromState: 'pending', trigger: 'fail-task', severity: 'warning', operator: 'alice', reason: 'not worth it' }))).toBe('by alice: not worth it');
  });

  it('normal progress has none: info severity, no operator, not an end with a reason; workers ending with their run neither', () => {
    expect(transitionReason(t({ toState: 'completed', trigger: 'validation_passed', severity: 'info' }))).toBeNull();
    expect(transitionReason(t({ fromState: 'queued', toState: 'running', trigger: 'worker_started', severity: 'info' }))).toBeNull();
    expect(transitionReason(t({ entityType: 'worker', fromState: 'idle', toState: 'shutdown', trigger: 'shutdown_requested', severity: 'info', reason: 'run ended' }))).toBeNull();
    expect(transitionReason(t({ fromState: 'pending', toState: 'cancelled', trigger: 'user_cancelled', severity: 'info', reason: 'workstream is failed' }))).toBe('workstream is failed');
  });
});
