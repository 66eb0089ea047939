import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

// A MANUAL gate (EXT-6) nobody decides within its timeout_sec fails like a command gate past its deadline
// (timeout_exceeded, SSOT §2.3), and its task with it; undecided gates do not hold a run forever.
describe.each(testDatabases())('manual gate timeout (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('an undecided manual gate fails at its timeout_sec with the reason, and the run ends', async () => {
    const box = await suite.sandbox();
    const { status, actors } = await runSandboxPlan(box, suite.db, {
      run: { id: 'mt' },
      sandbox: 'none',
      workstreams: [{
        id: 'w',
        gates: [{ id: 'review', type: 'MANUAL', approvers: ['alice'], timeout_sec: 1 }],
        tasks: [{ id: 'change', command: writeCmd('src/change.js', 'export const c = 1;\n'), gates: ['review'], max_retries: 0 }],
      }],
    });
    expect(status.state).toBe('failed');
    const gate = await actors.history('test_gate', 'mt.change.review.a1');
    expect(gate.map((r) => r.toState)).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    expect(gate[2]).toMatchObject({ trigger: 'timeout_exceeded', reason: 'no approver decided the manual gate within its timeout_sec' });
    expect((await actors.load('task', 'mt.change')).state).toBe('failed');
    await actors.close();
  });

  it('plan: a MANUAL gate waits a day unless timeout_sec says otherwise; a command gate its machine’s default', () => {
    const plan = parsePlan(JSON.stringify({
      run: { id: 'd', phase: 'PH-1', repository: '.', target_branch: 'main' },
      workstreams: [{
        id: 'w',
        gates: [{ id: 'review', type: 'MANUAL', approvers: ['alice'] }, { id: 'unit', type: 'UNIT', command: 'true' }],
        tasks: [{ id: 't', command: 'true', gates: ['review', 'unit'] }],
      }],
    }), { format: 'json' });
    expect(plan.workstreams[0]!.gates.map((g) => [g.id, g.timeout_sec])).toEqual([['review', 86_400], ['unit', 600]]);
  });
});
