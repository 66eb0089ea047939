import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, replayAudit, verifyAudit } from '../../actors/index.js';
import { generatePaths, pathModels } from '../../coverage/index.js';
import { ENTITY_TYPES } from '../../machines/index.js';
import { loadEntity } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// Every generated path of every machine, replayed through persisted actors: the database never rejects a legal path.
describe.each(testDatabases())('generated paths through persisted actors on %s', (kind) => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    actors = new PersistedActors({ db: tdb.db });
  });
  afterAll(async () => {
    await actors.close();
    await tdb.close();
  });

  it.each(ENTITY_TYPES)('%s: every path is persisted step by step and ends where the machine does', async (type) => {
    const model = pathModels[type];
    const paths = generatePaths(model).paths;
    // One entity per path; entities advance concurrently, each in order, so the sends share group commits.
    await Promise.all(
      paths.map(async (path, i) => {
        const id = `${type}-p${i}`;
        await actors.createUntrusted(type, id, model.input);
        for (const step of path.steps) {
          const r = await actors.sendUntrusted(type, id, step.event);
          expect([r.from, r.to], `${path.description} at ${step.event.type}`).toEqual([step.from, step.to]);
        }
        const rec = (await loadEntity(tdb.db, type, id))!;
        expect(rec.state).toBe(path.end);
        expect(rec.version).toBe(path.steps.length + 1);
      }),
    );
  });

  it('leaves every hash chain intact and every entity replayable from its audit', async () => {
    const v = await verifyAudit(tdb.db);
    expect(v.firstBroken).toBeNull();
    expect(v.ok).toBe(true);
    const total = ENTITY_TYPES.reduce((n, t) => n + generatePaths(pathModels[t]).paths.length, 0);
    expect(v.entities).toBe(total);
    const r = await replayAudit(tdb.db);
    expect(r.mismatches).toEqual([]);
    expect(r.entities).toBe(total);
  });
});
