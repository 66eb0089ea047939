import { describe, expect, it } from 'vitest';
import { runReasons } from '../../ops/index.js';
import { engineSuite } from './engine-fixtures.js';
import { conflictPlan, runConflictPlan, fileOnMain, writeTask, SHARED_FILE, SHARED_START, sharedOnMain, timesTenCmd, workstreamTrail } from './conflict-fixtures.js';
import { testDatabases } from '../support/test-database.js';

// Issue 15 part 2, EXT-8: when the replay conflicts too, the tasks whose patches touch the conflicting paths run again
// on the current target branch (new task entities, attempts and patches through the ledger), the others' commits
// are replayed, the workstream's gates run on the result, and it is merged.
describe.each(testDatabases())('conflict resolved by re-run (EXT-8) (%s)', (kind) => {
  const suite = engineSuite(kind);
  const bTasks = [{ id: 'b1', command: timesTenCmd() }, writeTask('b2', 'src/b2.txt', 'b2\n')];

  it('rebase (default) conflicts, falls back to re-running b1, which re-reads the file a changed', async () => {
    const box = await suite.sandbox({ [SHARED_FILE]: SHARED_START });
    const plan = conflictPlan('rr', 'export const x = 2;\n', bTasks, { gates: [{ id: 'test', type: 'UNIT', command: ['node', '-e', 'process.exit(0)'] }] });
    const { status, actors } = await runConflictPlan(box, suite.db, plan);
    expect(status.state).toBe('succeeded');
    // b1 ran again on a's x = 2 and made it 20; b2's commit was replayed, not re-run.
    expect(await sharedOnMain(box)).toBe('export const x = 20;\n');
    expect(await fileOnMain(box, 'src/b2.txt')).toBe('b2\n');

    const trail = await workstreamTrail(actors, 'rr', 'b');
    expect(trail.map((t) => t.trigger)).toEqual(['create', 'tasks_created', 'task_started', 'tasks_completed', 'rebase_started', 'rerun_started', 'rerun_settled', 'validation_passed']);
    expect(trail.find((t) => t.trigger === 'rerun_started')!.reason).toContain(`conflicts in ${SHARED_FILE}`);
    expect(trail.at(-1)!.reason).toBe('merged after conflict round 2 (rerun)');
    const ws = await actors.load('workstream', 'rr.b');
    expect(ws.context.conflict).toMatchObject({ round: 2, step: 'rerun', rerun_tasks: ['b1'], settled: true });

    // The re-run is a new task entity with its own attempt, patch and ledger entry; the old one keeps its own.
    const old = await actors.load('task', 'rr.b1');
    expect(old.state).toBe('completed');
    const again = await actors.load('task', 'rr.b1.c2');
    expect(again.state).toBe('completed');
    expect((await actors.history('task', 'rr.b1.c2'))[0]!.reason).toContain('conflict round 2');
    expect((await actors.load('patch_ledger', 'rr.b1.p1')).state).toBe('committed');
    expect((await actors.load('patch_ledger', 'rr.b1.c2.p1')).state).toBe('committed');
    expect((await actors.load('task', 'rr.b2')).state).toBe('completed');
    await expect(actors.load('task', 'rr.b2.c2')).rejects.toThrow();
    // `gantry status` explains the workstream by its last round's outcome.
    expect((await runReasons(suite.db.db, 'rr')).reasonOf('workstream', 'rr.b')).toBe('merged after conflict round 2 (rerun)');
    // The workstream's gates passed on the merged tree, in the round.
    expect((await actors.load('test_gate', 'rr.b.test.c2')).state).toBe('PASSED');
  });

  it('on_conflict: rerun re-runs at once (round 1, no rebase)', async () => {
    const box = await suite.sandbox({ [SHARED_FILE]: SHARED_START });
    const plan = conflictPlan('rd', 'export const x = 3;\n', bTasks, { on_conflict: 'rerun', max_conflict_rounds: 1 });
    const { status, actors } = await runConflictPlan(box, suite.db, plan);
    expect(status.state).toBe('succeeded');
    expect(await sharedOnMain(box)).toBe('export const x = 30;\n');
    const trail = await workstreamTrail(actors, 'rd', 'b');
    expect(trail.map((t) => t.trigger)).toEqual(['create', 'tasks_created', 'task_started', 'tasks_completed', 'rerun_started', 'rerun_settled', 'validation_passed']);
    expect((await actors.load('task', 'rd.b1.c1')).state).toBe('completed');
  });
});
