import { describe, expect, it } from 'vitest';
import { engineSuite, writeCmd } from './engine-fixtures.js';
import { conflictPlan, runConflictPlan, fileHasCmd, writeTask, SHARED_FILE, SHARED_START, sharedOnMain, workstreamTrail } from './conflict-fixtures.js';
import { testDatabases } from '../support/test-database.js';

// Issue 15 part 2, EXT-7: a workstream whose merge conflicts is replayed onto the current target branch, its gates
// run again on the replayed tree, and that exact tree is merged.
describe.each(testDatabases())('conflict resolved by rebase (EXT-7) (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('b made a\'s change too and then its own: the merge conflicts, the replay does not; gated again and merged', async () => {
    const box = await suite.sandbox({ [SHARED_FILE]: SHARED_START });
    const plan = conflictPlan(
      'rb',
      'export const x = "A";\n',
      [
        { id: 'b1', command: writeCmd(SHARED_FILE, 'export const x = "A";\n') },
        { ...writeTask('b2', SHARED_FILE, 'export const x = "B";\n'), gates: ['has-b'] },
      ],
      { gates: [{ id: 'has-b', type: 'UNIT', command: fileHasCmd('"B"') }] },
    );
    const { status, actors } = await runConflictPlan(box, suite.db, plan);
    expect(status.state).toBe('succeeded');
    expect(await sharedOnMain(box)).toBe('export const x = "B";\n');

    const trail = await workstreamTrail(actors, 'rb', 'b');
    expect(trail.map((t) => t.trigger)).toEqual(['create', 'tasks_created', 'task_started', 'tasks_completed', 'rebase_started', 'rebased', 'validation_passed']);
    const started = trail.find((t) => t.trigger === 'rebase_started')!;
    expect(started.reason).toContain(`conflicts in: ${SHARED_FILE}`);
    expect(trail.at(-1)!.reason).toBe('merged after conflict round 1 (rebase)');
    const ws = await actors.load('workstream', 'rb.b');
    expect(ws.context.conflict_rounds).toBe(1);
    expect(ws.context.conflict).toMatchObject({ round: 1, step: 'rebase', paths: [SHARED_FILE] });
    // The workstream's gate ran again on the replayed tree, as its own entity of the round.
    expect((await actors.load('test_gate', 'rb.b.has-b.c1')).state).toBe('PASSED');
    // The round's audit rows carry the conflicting paths.
    const rows = await actors.history('workstream', 'rb.b');
    expect(JSON.stringify(rows.find((r) => r.trigger === 'rebase_started')!.metadata)).toContain(SHARED_FILE);
  });
});
