import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { resumeRun, runPlan } from '../../engine/index.js';
import { runGit } from '../../git/index.js';
import { loadPlan } from '../../plan/index.js';
import { runReasons } from '../../ops/index.js';
import { engineSuite, writeCmd } from './engine-fixtures.js';
import { conflictPlan, releaseAfterA, fileHasCmd, fileOnMain, writeTask, SHARED_FILE, SHARED_START, sharedOnMain, timesTenCmd } from './conflict-fixtures.js';
import { testDatabases } from '../support/test-database.js';

/** The engine "dies" here: right after a transition committed, before anything it leads to is done. */
class SimulatedCrash extends Error {}

/** The two scenarios: b resolved by a rebase (EXT-7), or by a re-run after its rebase conflicted (EXT-8). */
const scenarios = {
  rebase: {
    plan: (runId: string) =>
      conflictPlan(runId, 'export const x = "A";\n', [{ id: 'b1', command: writeCmd(SHARED_FILE, 'export const x = "A";\n') }, { ...writeTask('b2', SHARED_FILE, 'export const x = "B";\n'), gates: ['has-b'] }], {
        gates: [{ id: 'has-b', type: 'UNIT', command: fileHasCmd('"B"') }],
      }),
    main: 'export const x = "B";\n',
  },
  rerun: {
    plan: (runId: string) => conflictPlan(runId, 'export const x = 2;\n', [{ id: 'b1', command: timesTenCmd() }, writeTask('b2', 'src/b2.txt', 'b2\n')]),
    main: 'export const x = 20;\n',
  },
} as const;

// Issue 15 part 2: a crash in the middle of a conflict round resumes correctly — the round goes on from what its
// machine recorded (replay again or not, re-run entities made once, gates of the round reused), and the workstream is
// merged exactly once with the same result as without the crash.
describe.each(testDatabases())('a conflict round interrupted by a crash resumes (%s)', (kind) => {
  const suite = engineSuite(kind);
  const points = [
    ['rebase', 'rebase_started'],
    ['rebase', 'rebased'],
    ['rerun', 'rerun_started'],
    ['rerun', 'rerun_settled'],
  ] as const;

  it.each(points)('%s round, crash right after %s', async (scenario, event) => {
    const box = await suite.sandbox({ [SHARED_FILE]: SHARED_START });
    const runId = `cr-${event.replace('_', '-')}`;
    const file = join(box.dir, 'plan.json');
    const body = { retry: { backoff_base_ms: 10, backoff_cap_ms: 40 }, ...scenarios[scenario].plan(runId) };
    await writeFile(file, JSON.stringify({ ...body, run: { id: runId, phase: 'PH-1', repository: './repo', target_branch: 'main' } }));
    const plan = await loadPlan(file);
    const options = { stateDir: box.stateDir, heartbeatIntervalMs: 200, killGraceMs: 200 };

    const crashing = new PersistedActors({ db: suite.db.db });
    const send = crashing.send.bind(crashing);
    let crashed = false;
    crashing.send = (async (...args: Parameters<typeof send>) => {
      const t = await send(...args);
      if (!crashed && args[1] === `${runId}.b` && t.event === event) {
        crashed = true;
        throw new SimulatedCrash(`crash after ${event}`);
      }
      return t;
    }) as typeof send;
    const release = releaseAfterA(suite.db.db, crashing, runId);
    await expect(runPlan(crashing, suite.db.db, plan, options)).rejects.toThrow(SimulatedCrash);
    release();
    await crashing.close();
    expect(crashed).toBe(true);
    // Mid-round, what `gantry status` explains the workstream by is the round's cause.
    const mid = (await runReasons(suite.db.db, runId)).reasonOf('workstream', `${runId}.b`);
    if (event === 'rebase_started' || event === 'rerun_started') expect(mid).toContain(`conflict`);
    if (event === 'rebase_started' || event === 'rerun_started') expect(mid).toContain(SHARED_FILE);

    const actors = new PersistedActors({ db: suite.db.db });
    const status = await resumeRun(actors, suite.db.db, plan, options);
    await actors.close();
    expect(status.state).toBe('succeeded');
    expect(await sharedOnMain(box)).toBe(scenarios[scenario].main);
    if (scenario === 'rerun') expect(await fileOnMain(box, 'src/b2.txt')).toBe('b2\n');
    const merges = (await runGit(box.repo, ['log', '--merges', '--format=%s', 'main'])).stdout.trim().split('\n');
    expect(merges.filter((m) => m.startsWith('Merge workstream b '))).toHaveLength(1);
    const ws = await actors.load('workstream', `${runId}.b`);
    expect(ws.state).toBe('completed');
    expect(ws.context.conflict_rounds).toBe(scenario === 'rebase' ? 1 : 2);
    if (scenario === 'rerun') {
      // The re-run entity was made once, and ran once.
      expect((await actors.load('task', `${runId}.b1.c2`)).state).toBe('completed');
      expect((await actors.history('task', `${runId}.b1.c2`)).filter((r) => r.trigger === 'worker_started')).toHaveLength(1);
    }
  });
});
