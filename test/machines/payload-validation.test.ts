import { describe, expect, it } from 'vitest';
import { InvalidPayloadError, InvalidTransitionError, parseEvent, parseInput, UnknownEntityTypeError, applyEvent, initialSnapshot } from '../../machines/index.js';

describe('event and input payloads entering from outside (zod)', () => {
  it('fills defaults of SSOT §6.3 into a task input', () => {
    const i = parseInput('task', { now: 1 });
    expect(i).toMatchObject({ max_retries: 3, timeout_sec: 1800, expected_exit: [0], depends_on: [], is_critical: false });
  });

  it('names the field and the problem for a bad input', () => {
    const err = (() => {
      try {
        parseInput('task', { now: 1, max_retries: -1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidPayloadError);
    expect((err as InvalidPayloadError).message).toMatch(/max_retries/);
    expect((err as InvalidPayloadError).what).toBe('input');
  });

  it('rejects a malformed event payload naming the field', () => {
    expect(() => parseEvent('task', { type: 'worker_started', now: 1, worker_id: 'bad id!', worker_capabilities: [] })).toThrow(/worker_id/);
    expect(() => parseEvent('patch_ledger', { type: 'commit_succeeded', now: 1, commit_sha: 'xyz' })).toThrow(InvalidPayloadError);
    expect(() => parseEvent('run', { now: 1 })).toThrow(/type/);
  });

  it('rejects an event type the machine does not know as an invalid transition', () => {
    expect(() => parseEvent('run', { type: 'explode', now: 1 }, 'pending')).toThrow(InvalidTransitionError);
  });

  it('returns the parsed event with defaults, which the machine then accepts', () => {
    const e = parseEvent('task', { type: 'scheduler_assigned', now: 2 });
    expect(e).toEqual({ type: 'scheduler_assigned', now: 2, dependencies: {}, gates: {} });
    expect(applyEvent('task', initialSnapshot('task', parseInput('task', { now: 1 })), e).to).toBe('queued');
  });

  it('names the known types for an unknown entity type', () => {
    expect(() => parseInput('spaceship', {})).toThrow(UnknownEntityTypeError);
    expect(() => parseInput('spaceship', {})).toThrow(/run, workstream, task/);
  });
});
