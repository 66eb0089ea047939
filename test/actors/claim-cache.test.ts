import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../actors/index.js';
import { readHistory } from '../../persistence/index.js';
import { testDatabases } from '../support/test-database.js';
import { twoActorSystems } from '../support/two-actor-systems.js';

// A claimer decides `worker_started` from the task it holds in its cache only when the locked row is at that very
// version; a task another process moved meanwhile (even back to `queued`) is read again under the lock.

describe.each(testDatabases())('claiming with a cache behind another process (%s)', (kind) => {
  const sys = twoActorSystems(kind);

  it('a task queued again by another process is claimed from its row, its chain intact', async () => {
    const t0 = Date.now();
    await sys.a.create('task', 'stale-1', { now: t0 });
    await sys.a.send('task', 'stale-1', { type: 'scheduler_assigned', now: t0 + 1 }); // a holds version 2, queued
    const [first] = await sys.b.claim({ workerId: 'worker-b', capabilities: [], limit: 1, now: t0 + 2 });
    expect(first?.id).toBe('stale-1');
    await sys.b.send('task', 'stale-1', { type: 'execution_failed', exit_code: 1, now: t0 + 3 });
    await sys.b.send('task', 'stale-1', { type: 'retry_delay_elapsed', now: t0 + 3_600_000 }); // queued again, version 5

    const claimed = await sys.a.claim({ workerId: 'worker-a', capabilities: [], limit: 1, now: t0 + 3_600_001 });
    expect(claimed.map((c) => [c.id, c.to, c.version])).toEqual([['stale-1', 'running', 6]]);
    const history = await readHistory(sys.tdb.db, 'task', 'stale-1');
    expect(history.map((r) => r.toState)).toEqual(['pending', 'queued', 'running', 'retrying', 'queued', 'running']);
    expect((await verifyAudit(sys.tdb.db, { entityType: 'task' })).ok).toBe(true);
  });

  it('a task this process queued is claimed from its cache, with the same result as from its row', async () => {
    const t0 = Date.now();
    await sys.a.create('task', 'fresh-1', { now: t0 });
    await sys.a.send('task', 'fresh-1', { type: 'scheduler_assigned', now: t0 + 1 });
    const claimed = await sys.a.claim({ workerId: 'worker-a', capabilities: [], limit: 1, now: t0 + 2 });
    expect(claimed.map((c) => [c.id, c.to, c.version])).toEqual([['fresh-1', 'running', 3]]);
    const [loaded] = [await sys.b.load('task', 'fresh-1')];
    expect(loaded.state).toBe('running');
    expect(loaded.context.worker_id).toBe('worker-a');
    expect((await verifyAudit(sys.tdb.db, { entityType: 'task' })).ok).toBe(true);
  });
});
