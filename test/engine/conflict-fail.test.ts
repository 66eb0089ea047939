import { describe, expect, it } from 'vitest';
import { engineSuite } from './engine-fixtures.js';
import { conflictPlan, runConflictPlan, writeTask, SHARED_FILE, SHARED_START, sharedOnMain, timesTenCmd, workstreamTrail } from './conflict-fixtures.js';
import { testDatabases } from '../support/test-database.js';

// Issue 15 part 2: `on_conflict: fail` keeps the behaviour from before conflict rounds — the workstream fails, the
// conflicting paths in its reason and in the audit row's payload — and no round is taken.
describe.each(testDatabases())('on_conflict: fail (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('the conflicting merge fails the workstream naming the paths; nothing of b reaches main', async () => {
    const box = await suite.sandbox({ [SHARED_FILE]: SHARED_START });
    const plan = conflictPlan('cf', 'export const x = 2;\n', [{ id: 'b1', command: timesTenCmd() }, writeTask('b2', 'src/b2.txt', 'b2\n')], { on_conflict: 'fail' });
    const { status, actors } = await runConflictPlan(box, suite.db, plan);
    expect(status.state).toBe('failed');
    expect(await sharedOnMain(box)).toBe('export const x = 2;\n');
    const trail = await workstreamTrail(actors, 'cf', 'b');
    expect(trail.map((t) => t.trigger)).toEqual(['create', 'tasks_created', 'task_started', 'tasks_completed', 'validation_failed']);
    expect(trail.at(-1)!.reason).toMatch(new RegExp(`conflicts in: ${SHARED_FILE}; merge aborted; on_conflict is fail$`));
    const rows = await actors.history('workstream', 'cf.b');
    expect(JSON.stringify(rows.at(-1)!.metadata)).toContain(SHARED_FILE);
    const ws = await actors.load('workstream', 'cf.b');
    expect(ws.context.conflict_rounds).toBe(0);
    expect(ws.context.conflict).toBeNull();
  });
});
