import { describe, expect, it } from 'vitest';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

// EXT-9: a MANUAL gate still waiting when its task attempt fails at another gate is closed (`abandoned`, with the
// reason), so nothing shows it waiting for an approver of a task that already failed.
describe.each(testDatabases())('abandoned manual gates (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('the attempt fails at one manual gate (timed out): the other, still waiting, is abandoned with the reason', async () => {
    const box = await suite.sandbox();
    const { status, actors } = await runSandboxPlan(box, suite.db, {
      run: { id: 'ab' },
      sandbox: 'none',
      workstreams: [{
        id: 'w',
        gates: [
          { id: 'quick', type: 'MANUAL', approvers: ['alice'], timeout_sec: 1 },
          { id: 'slow', type: 'MANUAL', approvers: ['bob'] },
        ],
        tasks: [{ id: 'change', command: writeCmd('src/change.js', 'export const c = 1;\n'), gates: ['quick', 'slow'], max_retries: 0 }],
      }],
    });
    expect(status.state).toBe('failed');
    const quick = await actors.history('test_gate', 'ab.change.quick.a1');
    expect(quick.map((r) => r.trigger)).toEqual(['create', 'start', 'timeout_exceeded']);
    const slow = await actors.history('test_gate', 'ab.change.slow.a1');
    expect(slow.map((r) => r.toState)).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    expect(slow[2]).toMatchObject({ trigger: 'abandoned', reason: 'abandoned: the task failed at quick' });
    expect((await actors.load('task', 'ab.change')).state).toBe('failed');
    await actors.close();
  });
});
