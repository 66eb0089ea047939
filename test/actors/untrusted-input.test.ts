import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidUntrustedInputError, PersistedActors } from '../../actors/index.js';
import { InvalidPayloadError, InvalidTransitionError, UnknownEntityTypeError } from '../../machines/index.js';
import { loadEntity, readHistory } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// The checked entry of the typed actor API (what `gantry entity create/send` call with the user's JSON): every bad
// input is refused with an error naming what and where, and nothing is written.
describe.each(testDatabases())('untrusted input on %s', (kind) => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  let t = 1_700_000_000_000;

  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    actors = new PersistedActors({ db: tdb.db, clock: () => (t += 1000) });
  });
  afterAll(async () => {
    await actors.close();
    await tdb.close();
  });

  it('creates, sends and loads what the machine accepts, typed after the check', async () => {
    const v = await actors.createUntrusted('task', 'ut-a', { max_retries: 1, required_capabilities: ['node'] });
    expect([v.entityType, v.state, v.version]).toEqual(['task', 'pending', 1]);
    const c = await actors.sendUntrusted('task', 'ut-a', JSON.parse('{"type":"scheduler_assigned","dependencies":{}}'));
    expect([c.from, c.to, c.event, c.version]).toEqual(['pending', 'queued', 'scheduler_assigned', 2]);
    const loaded = await actors.loadUntrusted('task', 'ut-a');
    expect(loaded.state).toBe('queued');
    expect(loaded.entityType === 'task' ? loaded.context.max_retries : null).toBe(1);
  });

  it('refuses an unknown entity type, naming the known ones', async () => {
    await expect(actors.createUntrusted('tsak', 'ut-b', {})).rejects.toThrow(UnknownEntityTypeError);
    await expect(actors.sendUntrusted('tsak', 'ut-a', { type: 'scheduler_assigned' })).rejects.toThrow(/unknown entity type 'tsak' \(known: run, workstream, task/);
    await expect(actors.loadUntrusted('spaceship', 'ut-a')).rejects.toThrow(UnknownEntityTypeError);
  });

  it('refuses an event the machine does not have, a wrong payload, or a body that is not an object', async () => {
    await expect(actors.sendUntrusted('task', 'ut-a', { type: 'no_such_event' })).rejects.toThrow(InvalidTransitionError);
    await expect(actors.sendUntrusted('task', 'ut-a', { type: 'no_such_event' })).rejects.toThrow(/task: state '\?' has no edge for 'no_such_event'/);
    const wrong = actors.sendUntrusted('task', 'ut-a', { type: 'worker_started', worker_id: 42, worker_capabilities: [] });
    await expect(wrong).rejects.toThrow(InvalidPayloadError);
    await expect(actors.sendUntrusted('task', 'ut-a', { type: 'worker_started', worker_id: 42, worker_capabilities: [] })).rejects.toThrow(/invalid event for task: worker_id: /);
    await expect(actors.sendUntrusted('task', 'ut-a', '{"type":"user_cancelled"}')).rejects.toThrow(InvalidUntrustedInputError);
    await expect(actors.sendUntrusted('task', 'ut-a', [])).rejects.toThrow(/invalid event for task: expected a JSON object, got an array/);
    await expect(actors.createUntrusted('task', 'ut-c', { max_retries: 'two' })).rejects.toThrow(/invalid input for task: max_retries: /);
    await expect(actors.createUntrusted('task', 'ut-c', 7)).rejects.toThrow(/invalid input for task: expected a JSON object, got number/);
    expect(await loadEntity(tdb.db, 'task', 'ut-c')).toBeNull();
    expect((await readHistory(tdb.db, 'task', 'ut-a')).length).toBe(2);
  });
});
