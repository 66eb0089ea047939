import { describe, expect, it } from 'vitest';
import { EntityCache } from '../../actors/entity-cache.js';
import { readHistory } from '../../persistence/index.js';
import { testDatabases } from '../support/test-database.js';
import { twoActorSystems } from '../support/two-actor-systems.js';

// A process decides from its cache of entities. Another process (or, in this one, a read that raced a commit) can
// leave that cache behind the stored row: a send the stored state accepts must not be refused on the stale copy
// (seen: a UET worker's task_completed refused as "IDLE has no edge", the run's lane failing with it).
describe.each(testDatabases())('decisions on a stale cache (%s)', (kind) => {
  const sys = twoActorSystems(kind);

  it('an event refused on the cached state but accepted by the stored one is decided again on the row, and committed', async () => {
    await sys.a.create('uet_worker', 'sc-1', {});
    await sys.a.send('uet_worker', 'sc-1', { type: 'spawn_complete' }); // a holds it IDLE
    await sys.b.send('uet_worker', 'sc-1', { type: 'task_assigned', task_id: 't1' }); // another process: BUSY
    const done = await sys.a.send('uet_worker', 'sc-1', { type: 'task_completed', task_id: 't1' });
    expect([done.from, done.to, done.version]).toEqual(['BUSY', 'IDLE', 4]);
    expect((await readHistory(sys.tdb.db, 'uet_worker', 'sc-1')).map((r) => r.trigger)).toEqual(['create', 'spawn_complete', 'task_assigned', 'task_completed']);
  });

  it('an event the stored state refuses too is still refused, with the stored state named', async () => {
    await sys.a.create('uet_worker', 'sc-2', {});
    await sys.a.send('uet_worker', 'sc-2', { type: 'spawn_complete' });
    await expect(sys.a.send('uet_worker', 'sc-2', { type: 'task_completed', task_id: 'nope' })).rejects.toMatchObject({ name: 'InvalidTransitionError', state: 'IDLE' });
  });

  it('a read never puts an older version back over a newer one the cache holds', () => {
    const cache = new EntityCache();
    const at = (version: number, state: string) => ({ entityType: 'uet_worker', id: 'x', version, state }) as Parameters<EntityCache['set']>[1];
    cache.set('k', at(3, 'BUSY'));
    cache.offer('k', at(2, 'IDLE'));
    expect(cache.get('k')?.state).toBe('BUSY');
    cache.offer('k', at(4, 'IDLE'));
    expect(cache.get('k')?.state).toBe('IDLE');
  });
});
