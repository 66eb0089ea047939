import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { loadPlan, PlanValidationError } from '../../plan/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

/** The worker each `worker_started` of a task named, from its audit trail (metadata.event.worker_id), in order. */
async function workersOf(actors: PersistedActors, taskId: string): Promise<string[]> {
  return (await actors.history('task', taskId))
    .filter((r) => r.trigger === 'worker_started')
    .map((r) => (r.metadata['event'] as { worker_id: string }).worker_id);
}

describe.each(testDatabases())('worker routing: capabilities and affinity (SSOT §1.5.6) (%s)', (kind) => {
  const suite = engineSuite(kind);
  const sandbox = suite.sandbox;

  it('a task requiring a capability only one pool has runs on that pool’s worker; the others run anywhere', async () => {
    const box = await sandbox();
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'cap' },
      workers: {
        orchestration: [
          { id: 'plain', count: 2, capabilities: ['node'] },
          { id: 'gpu', count: 1, capabilities: ['node', 'gpu'] },
        ],
      },
      workstreams: [
        {
          id: 'w',
          tasks: [
            { id: 'a', command: writeCmd('src/a.js', '1;\n'), requires: ['node'] },
            { id: 'needs-gpu', command: writeCmd('src/g.js', '2;\n'), requires: ['gpu'] },
            { id: 'b', command: writeCmd('src/b.js', '3;\n') },
          ],
        },
      ],
    });
    expect(status.state).toBe('succeeded');
    const actors = new PersistedActors({ db: suite.db.db });
    expect(await workersOf(actors, 'cap.needs-gpu')).toEqual(['cap.gpu-1']);
    for (const t of ['cap.a', 'cap.b']) expect(['cap.plain-1', 'cap.plain-2', 'cap.gpu-1']).toContain((await workersOf(actors, t))[0]);
    // The worker itself took the task with the requirement (task_assigned, SSOT §1.5.6 can-assign rule).
    const assigned = (await actors.history('worker', 'cap.gpu-1')).filter((r) => r.trigger === 'task_assigned').map((r) => (r.metadata['event'] as { task_id: string }).task_id);
    expect(assigned).toContain('cap.needs-gpu');
    await actors.close();
  });

  it('a pool with affinity to one workstream takes only that workstream’s tasks', async () => {
    const box = await sandbox();
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'aff' },
      workers: {
        orchestration: [
          { id: 'pinned', count: 1, capabilities: ['node', 'ui'], affinity: ['front'] },
          { id: 'general', count: 1, capabilities: ['node'] },
        ],
      },
      workstreams: [
        { id: 'front', tasks: [{ id: 'f1', command: writeCmd('src/f1.js', '1;\n'), requires: ['ui'] }, { id: 'f2', command: writeCmd('src/f2.js', '2;\n') }] },
        { id: 'back', tasks: [1, 2, 3].map((n) => ({ id: `b${n}`, command: writeCmd(`src/b${n}.js`, `${n};\n`) })) },
      ],
    });
    expect(status.state).toBe('succeeded');
    const actors = new PersistedActors({ db: suite.db.db });
    expect(await workersOf(actors, 'aff.f1')).toEqual(['aff.pinned-1']);
    for (const t of ['aff.b1', 'aff.b2', 'aff.b3']) expect(await workersOf(actors, t)).toEqual(['aff.general-1']);
    const pinnedTasks = (await actors.history('worker', 'aff.pinned-1'))
      .filter((r) => r.trigger === 'task_assigned')
      .map((r) => (r.metadata['event'] as { task_id: string }).task_id);
    expect(pinnedTasks.length).toBeGreaterThan(0);
    for (const t of pinnedTasks) expect(['aff.f1', 'aff.f2']).toContain(t);
    await actors.close();
  });

  it('a requirement only a pool pinned to another workstream meets is a plan error naming the task', async () => {
    const box = await sandbox();
    const file = join(box.dir, 'unmet.json');
    await writeFile(
      file,
      JSON.stringify({
        run: { phase: 'P', repository: './repo' },
        workers: { orchestration: [{ id: 'pinned', capabilities: ['ui'], affinity: ['front'] }, { id: 'general' }] },
        workstreams: [
          { id: 'front', tasks: [{ id: 'f', command: 'true' }] },
          { id: 'back', tasks: [{ id: 'b', command: 'true', requires: ['ui'] }] },
        ],
      }),
    );
    const err = await loadPlan(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlanValidationError);
    expect((err as PlanValidationError).issues.map((i) => i.path)).toContain('workstreams[1].tasks[0].requires');
  });
});
