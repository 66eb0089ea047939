import { describe, expect, it } from 'vitest';
import { step, walk, type Ev } from './walk.js';

const T = 1_000_000;
const input = { now: T, max_retries: 3 };
const queue: Ev = { type: 'scheduler_assigned', now: T + 1, dependencies: {}, gates: {} };
const start: Ev = { type: 'worker_started', now: T + 2, worker_id: 'w-1', worker_capabilities: [] };

describe('a failure that retrying cannot fix (docs/engine-decisions.md D-13)', () => {
  it('execution_failed with retryable: false fails the task at its first attempt, retries left or not', () => {
    const running = walk('task', input, [queue, start]);
    const failed = step('task', running, { type: 'execution_failed', now: T + 3, error: 'program not found: nope', retryable: false, jitter: 0 });
    expect(failed.value).toBe('failed');
    expect(failed.context.retry_count).toBe(0);
    expect(failed.context.retry_at).toBeNull();
    expect(failed.context.last_error).toBe('program not found: nope');
  });

  it('retryable: true or absent retries as before', () => {
    const running = walk('task', input, [queue, start]);
    expect(step('task', running, { type: 'execution_failed', now: T + 3, exit_code: 1, retryable: true, jitter: 0 }).value).toBe('retrying');
    expect(step('task', running, { type: 'execution_failed', now: T + 3, exit_code: 1, jitter: 0 }).value).toBe('retrying');
  });
});
