import { describe, expect, it } from 'vitest';
import { revParse, withBranchLock } from '../../git/index.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';
import { testDatabases } from '../support/test-database.js';

// The engine merges a completed workstream into the target branch holding the branch lock (git/branch-lock.ts), so
// an emergency rollback (SSOT §5.3) in another process never moves the branch at the same time: while the lock is
// held the merge waits, the workstream stays `validating`, and the branch does not move.
describe.each(testDatabases())('merge into the target branch waits for the branch lock (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('a run whose merge finds main locked waits with main unmoved, then merges once the lock is released', async () => {
    const box = await suite.sandbox();
    const headBefore = await revParse(box.repo, 'refs/heads/main');
    let release!: () => void;
    let held!: () => void;
    const isHeld = new Promise<void>((r) => (held = r));
    const holding = withBranchLock(box.repo, 'main', { holder: 'test: a rollback in progress' }, () => new Promise<void>((r) => { release = r; held(); }));
    await isHeld;
    const run = runSandboxPlan(box, suite.db, { run: { id: 'ml' }, workstreams: [{ id: 'core', tasks: [{ id: 'write', command: writeCmd('src/new.js', 'export const n = 1;\n') }] }] });
    const wsState = async () => (await suite.db.db.selectFrom('workstreams').select('state').where('id', '=', 'ml.core').executeTakeFirst())?.state;
    for (let i = 0; i < 3000 && (await wsState()) !== 'validating'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await wsState()).toBe('validating');
    // Give the engine time to reach the merge and find the lock (it polls); the branch must not move meanwhile.
    await new Promise((r) => setTimeout(r, 500));
    expect(await wsState()).toBe('validating');
    expect(await revParse(box.repo, 'refs/heads/main')).toBe(headBefore);
    release();
    await holding;
    const { status } = await run;
    expect(status.state).toBe('succeeded');
    expect(status.workstreams.map((w) => [w.id, w.state])).toEqual([['ml.core', 'completed']]);
    expect(await revParse(box.repo, 'refs/heads/main')).not.toBe(headBefore);
  }, 120_000);
});
