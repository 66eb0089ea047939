import { describe, expect, it } from 'vitest';
import { runGantry } from './run-gantry.js';

describe('gantry machines (human output)', () => {
  it('prints a count table with a computed total line, then every machine with terminal states marked', async () => {
    const { code, stdout, stderr } = await runGantry(['machines']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(() => JSON.parse(stdout)).toThrow();
    const lines = stdout.split('\n');
    expect(lines).toContain('51 states, 66 SSOT edges, 12 extension edges');

    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))!.trim().split(/\s+/);
    expect(row('task')).toEqual(['task', '9', '3', '11', '4', '0']);
    expect(row('circuit_breaker')).toEqual(['circuit_breaker', '3', '0', '4', '0', '3']);
    expect(row('total').slice(0, 2)).toEqual(['total', '51']);

    for (const heading of ['run (initial: pending', 'task (initial: pending', 'uet_worker (initial: SPAWNING', 'circuit_breaker (initial: CLOSED']) {
      expect(stdout).toContain(heading);
    }
    expect(stdout).toContain('states (5, † terminal): pending, running, succeeded†, failed†, canceled†');
    expect(stdout).toMatch(/blocked → cancelled\s+cancel, dependency_failed \[dependencyFailed\]\s+\(EXT-1\)/);
    expect(stdout).toMatch(/apply_failed → queued\s+retry_apply \[attemptsRemain\]\s+\(EXT-3\)/);
    expect(stdout).toMatch(/running → retrying\s+execution_failed \[canRetry\], timeout_exceeded \[canRetry\]/);
    expect(stdout).toContain('in-state updates, not edges (5):');
  });
});
