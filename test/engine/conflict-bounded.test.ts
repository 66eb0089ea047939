import { describe, expect, it } from 'vitest';
import { engineSuite } from './engine-fixtures.js';
import { conflictPlan, runConflictPlan, writeTask, SHARED_FILE, SHARED_START, sharedOnMain, timesTenCmd, workstreamTrail } from './conflict-fixtures.js';
import { testDatabases } from '../support/test-database.js';

// Issue 15 part 2: conflict rounds are bounded by `max_conflict_rounds`, the bound a guard of the Workstream machine
// (`mayRebase` / `mayRerun`): with the rounds used up the workstream fails, saying so, with the conflicting paths.
describe.each(testDatabases())('conflict rounds bounded by max_conflict_rounds (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('one round allowed: the rebase conflicts, no round is left to fall back to a re-run, the workstream fails', async () => {
    const box = await suite.sandbox({ [SHARED_FILE]: SHARED_START });
    const plan = conflictPlan('cb', 'export const x = 2;\n', [{ id: 'b1', command: timesTenCmd() }, writeTask('b2', 'src/b2.txt', 'b2\n')], { max_conflict_rounds: 1 });
    const { status, actors } = await runConflictPlan(box, suite.db, plan);
    expect(status.state).toBe('failed');
    expect(await sharedOnMain(box)).toBe('export const x = 2;\n');
    const trail = await workstreamTrail(actors, 'cb', 'b');
    expect(trail.map((t) => t.trigger)).toEqual(['create', 'tasks_created', 'task_started', 'tasks_completed', 'rebase_started', 'validation_failed']);
    expect(trail.at(-1)!.reason).toBe(`conflict round 1: replaying gantry/cb/b onto main conflicts in ${SHARED_FILE}; no conflict round left (1 of max_conflict_rounds 1 taken)`);
    expect((await actors.load('workstream', 'cb.b')).context.conflict_rounds).toBe(1);
    await expect(actors.load('task', 'cb.b1.c2')).rejects.toThrow();
  });

  it('max_conflict_rounds: 0 takes no round at all', async () => {
    const box = await suite.sandbox({ [SHARED_FILE]: SHARED_START });
    const plan = conflictPlan('cz', 'export const x = 2;\n', [{ id: 'b1', command: timesTenCmd() }, writeTask('b2', 'src/b2.txt', 'b2\n')], { max_conflict_rounds: 0 });
    const { status, actors } = await runConflictPlan(box, suite.db, plan);
    expect(status.state).toBe('failed');
    const trail = await workstreamTrail(actors, 'cz', 'b');
    expect(trail.at(-1)!.trigger).toBe('validation_failed');
    expect(trail.at(-1)!.reason).toMatch(/no conflict round left \(0 of max_conflict_rounds 0 taken\)$/);
  });
});
