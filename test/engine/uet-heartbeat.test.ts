import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { startRun } from '../../engine/index.js';
import { beatUetWorkers, watchUetWorkers } from '../../engine/watch-uet-workers.js';
import { findStuck } from '../../ops/index.js';
import { loadPlan } from '../../plan/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, slowWriteCmd } from './engine-fixtures.js';

describe.each(testDatabases())('UET workers heartbeat and are terminated when their heartbeat is lost (SSOT §2.1) on %s', (kind) => {
  const suite = engineSuite(kind);

  it('the engine beats its UET workers every interval, IDLE and BUSY, like its orchestration workers', async () => {
    const box = await suite.sandbox();
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'uhb' },
      workstreams: [{
        id: 'core',
        gates: [{ id: 'slow', type: 'UNIT', command: ['node', '-e', 'setTimeout(() => {}, 1500)'] }],
        tasks: [{ id: 'write', command: slowWriteCmd('src/w.js', '1;\n', 1500), gates: ['slow'] }],
      }],
    });
    expect(status.state).toBe('succeeded');
    const actors = new PersistedActors({ db: suite.db.db });
    const beats = (await actors.history('uet_worker', 'uhb.uet-1')).filter((r) => r.trigger === 'heartbeat').map((r) => r.fromState);
    expect(beats).toContain('IDLE'); // while the task ran
    expect(beats).toContain('BUSY'); // while its gate ran
    await actors.close();
  }, 240_000);

  it('two missed heartbeats end a UET worker TERMINATED, "heartbeat lost": crashed from BUSY, shutdown_requested from IDLE', async () => {
    const box = await suite.sandbox();
    const file = join(box.dir, 'plan.json');
    await writeFile(file, JSON.stringify({
      run: { id: 'ulost', phase: 'PH-1', repository: './repo', target_branch: 'main' },
      workers: { uet: { count: 2 } },
      workstreams: [{ id: 'core', tasks: [{ id: 't', command: ['node', '-e', '0'] }] }],
    }));
    const actors = new PersistedActors({ db: suite.db.db });
    const ctx = await startRun(actors, suite.db.db, await loadPlan(file), { stateDir: box.stateDir, heartbeatIntervalMs: 60_000 });
    await actors.send('uet_worker', 'ulost.uet-1', { type: 'task_assigned', task_id: 'ulost.t' });
    await beatUetWorkers(ctx);
    const now = Date.now();
    // Fresh: nothing happens. The watchdog runs on the time it is given: 90 s later one beat is missed, 121 s two.
    expect(await watchUetWorkers(ctx, now)).toEqual([]);
    expect(await watchUetWorkers(ctx, now + 90_000)).toEqual([]);
    expect((await findStuck(suite.db.db, undefined, now)).filter((s) => s.entityType === 'uet_worker')).toEqual([]);
    const notes = await watchUetWorkers(ctx, now + 121_000);
    expect(notes).toEqual(['uet_worker ulost.uet-1: BUSY → TERMINATED (heartbeat lost)', 'uet_worker ulost.uet-2: IDLE → TERMINATED (heartbeat lost)']);
    const busy = (await actors.history('uet_worker', 'ulost.uet-1')).at(-1)!;
    const idle = (await actors.history('uet_worker', 'ulost.uet-2')).at(-1)!;
    expect([busy.trigger, busy.toState, busy.reason]).toEqual(['crashed', 'TERMINATED', 'heartbeat lost']);
    expect([idle.trigger, idle.toState, idle.reason]).toEqual(['shutdown_requested', 'TERMINATED', 'heartbeat lost']);
    expect((await actors.load('uet_worker', 'ulost.uet-1')).context['crashed']).toBe(true);
    await actors.close();
  });
});
