import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, verifyAudit } from '../../actors/index.js';
import { startRun } from '../../engine/index.js';
import type { RunContext } from '../../engine/run-context.js';
import { beatWorker, watchWorkers } from '../../engine/watch-workers.js';
import type { EntityType } from '../../machines/index.js';
import { loadPlan } from '../../plan/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';
import { makeSandbox, type EngineSandbox } from './engine-fixtures.js';

// SSOT §1.5, §1.5.7, R-6: the engine's worker watchdog, driven by a clock the test moves (the actors' own clock
// option), on a real database. Heartbeat interval 1 s → timeout 2 s; recovery window 5 s.

const PLAN = {
  run: { id: 'wd', phase: 'PH-1', repository: './repo', target_branch: 'main' },
  workers: { orchestration: [{ id: 'agent', count: 2, capabilities: ['node'] }], heartbeat_interval_sec: 1, recovery_timeout_sec: 5 },
  workstreams: [{ id: 'ws', tasks: [{ id: 't1', command: ['true'], max_retries: 1 }] }],
};

describe.each(testDatabases())('worker watchdog (%s)', (kind) => {
  let db: TestDatabase;
  let box: EngineSandbox;
  let now = Date.now();
  let actors: PersistedActors;
  let ctx: RunContext;
  const state = async (type: EntityType, id: string) => (await actors.load(type, id)).state;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    box = await makeSandbox();
    await writeFile(join(box.dir, 'plan.json'), JSON.stringify(PLAN));
    actors = new PersistedActors({ db: db.db, clock: () => now });
    ctx = await startRun(actors, db.db, await loadPlan(join(box.dir, 'plan.json')), { stateDir: box.stateDir });
    // Put the task on agent-1 as a claim would: queued, claimed, assigned.
    await actors.send('task', 'wd.t1', { type: 'scheduler_assigned', dependencies: {}, gates: {} });
    expect((await actors.claim({ workerId: 'wd.agent-1', capabilities: ['node'], runId: 'wd' })).map((c) => c.id)).toEqual(['wd.t1']);
    await actors.send('worker', 'wd.agent-1', { type: 'task_assigned', task_id: 'wd.t1', workstream_id: 'wd.ws', required_capabilities: [] });
  });
  afterAll(async () => {
    await actors.close();
    await db.close();
    await box.cleanup();
  });

  it('leaves workers alone while their heartbeats are fresh', async () => {
    now += 1_500;
    expect(await watchWorkers(ctx, now)).toEqual([]);
    expect(await state('worker', 'wd.agent-1')).toBe('busy');
  });

  it('declares a busy worker lost after 2 missed beats and fails its running task, which retries', async () => {
    now += 1_000; // 2.5 s without a heartbeat > 2 s
    await beatWorker(ctx, 'wd.agent-2'); // agent-2 keeps beating
    const notes = await watchWorkers(ctx, now);
    expect(notes).toEqual(['worker wd.agent-1: busy → unresponsive (no heartbeat for 3 s (2 missed))', 'task wd.t1: running → retrying (worker lost)']);
    expect(await state('worker', 'wd.agent-1')).toBe('unresponsive');
    expect(await state('worker', 'wd.agent-2')).toBe('idle');
    const task = await actors.load('task', 'wd.t1');
    expect(task.state).toBe('retrying');
    expect(task.context['last_error']).toContain('worker wd.agent-1 was lost');
  });

  it('brings an unresponsive worker back when it beats again within the recovery window', async () => {
    now += 1_000;
    expect(await beatWorker(ctx, 'wd.agent-1')).toBe('idle');
    expect((await actors.load('worker', 'wd.agent-1')).context['current_load']).toBe(0);
  });

  it('fails a task whose worker claimed it, then died before taking it (silent past its timeout)', async () => {
    now += 100;
    await beatWorker(ctx, 'wd.agent-2');
    const retryAt = (await actors.load('task', 'wd.t1')).context['retry_at'] as number;
    now = Math.max(now, retryAt + 1);
    await actors.send('task', 'wd.t1', { type: 'retry_delay_elapsed' });
    await beatWorker(ctx, 'wd.agent-2');
    expect((await actors.claim({ workerId: 'wd.agent-2', capabilities: ['node'], runId: 'wd' })).map((c) => c.id)).toEqual(['wd.t1']);
    now += 1_500; // within the 2 s timeout: the claimer may still be about to take it
    await beatWorker(ctx, 'wd.agent-1');
    expect(await watchWorkers(ctx, now)).toEqual([]);
    now += 1_000; // agent-2 silent 2.5 s, never took the task
    await beatWorker(ctx, 'wd.agent-1');
    expect(await watchWorkers(ctx, now)).toEqual(['task wd.t1: running → failed (worker lost)']);
    expect((await actors.load('task', 'wd.t1')).context['last_error']).toContain('since it claimed the task');
  });

  it('shuts down an idle worker silent for longer than the recovery window (R-6), and a lost one past it', async () => {
    await beatWorker(ctx, 'wd.agent-2');
    now += 5_500; // agent-1 silent 5.5 s > 5 s (idle: R-6); agent-2 too
    const notes = await watchWorkers(ctx, now);
    expect(notes).toEqual(['worker wd.agent-1: idle → shutdown (heartbeat lost)', 'worker wd.agent-2: idle → shutdown (heartbeat lost)']);
    expect(await state('worker', 'wd.agent-1')).toBe('shutdown');
    expect(await beatWorker(ctx, 'wd.agent-1')).toBe('shutdown'); // a shut-down worker never comes back (SSOT §8.2)
  });

  it('leaves an audit trail that verifies', async () => {
    const trail = (await actors.history('worker', 'wd.agent-1')).map((t) => `${t.fromState ?? '∅'}→${t.toState} ${t.trigger}`);
    expect(trail.filter((t) => !t.startsWith('idle→idle') && !t.startsWith('busy→busy'))).toEqual([
      '∅→initializing create',
      'initializing→idle registration_complete',
      'idle→busy task_assigned',
      'busy→unresponsive heartbeat_timeout',
      'unresponsive→unresponsive heartbeat',
      'unresponsive→idle heartbeat_recovered',
      'idle→shutdown shutdown_requested',
    ]);
    expect((await verifyAudit(db.db)).ok).toBe(true);
  });
});

describe.each(testDatabases())('worker watchdog: a heartbeat back after the recovery window (%s)', (kind) => {
  let db: TestDatabase;
  let box: EngineSandbox;
  let now = Date.now();
  let actors: PersistedActors;
  let ctx: RunContext;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    box = await makeSandbox();
    await writeFile(join(box.dir, 'plan.json'), JSON.stringify({ ...PLAN, run: { ...PLAN.run, id: 'late' } }));
    actors = new PersistedActors({ db: db.db, clock: () => now });
    ctx = await startRun(actors, db.db, await loadPlan(join(box.dir, 'plan.json')), { stateDir: box.stateDir });
    await actors.send('task', 'late.t1', { type: 'scheduler_assigned', dependencies: {}, gates: {} });
    await actors.claim({ workerId: 'late.agent-1', capabilities: ['node'], runId: 'late' });
    await actors.send('worker', 'late.agent-1', { type: 'task_assigned', task_id: 'late.t1', workstream_id: 'late.ws', required_capabilities: [] });
  });
  afterAll(async () => {
    await actors.close();
    await db.close();
    await box.cleanup();
  });

  it('does not bring the worker back: recovery_timeout shuts it down (no state without a way out)', async () => {
    now += 2_500;
    await beatWorker(ctx, 'late.agent-2');
    expect((await watchWorkers(ctx, now))[0]).toBe('worker late.agent-1: busy → unresponsive (no heartbeat for 3 s (2 missed))');
    now += 6_000; // past the 5 s window
    expect(await beatWorker(ctx, 'late.agent-1')).toBe('unresponsive'); // the late beat is recorded, recovery refused
    await beatWorker(ctx, 'late.agent-2');
    expect(await watchWorkers(ctx, now)).toEqual(['worker late.agent-1: unresponsive → shutdown']);
    expect((await actors.load('worker', 'late.agent-1')).state).toBe('shutdown');
  });
});
