import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, verifyAudit } from '../../actors/index.js';
import { createDatabase, readHistory, type DatabaseHandle } from '../../persistence/index.js';
import { childDone, spawnChild } from '../support/spawn-child.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

async function queueTasks(actors: PersistedActors, prefix: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < ids.length; i += 100) {
    const part = ids.slice(i, i + 100);
    await Promise.all(part.map((id) => actors.create('task', id, { required_capabilities: ['node'] })));
    await Promise.all(part.map((id) => actors.send('task', id, { type: 'scheduler_assigned' })));
  }
  return ids;
}

function expectExactlyOnce(claims: string[][], ids: string[]): void {
  const all = claims.flat();
  expect(all.length).toBe(ids.length);
  expect(new Set(all).size).toBe(ids.length);
  expect([...all].sort()).toEqual([...ids].sort());
}

describe.each(testDatabases())('claiming queued tasks with FOR UPDATE SKIP LOCKED on %s', (kind) => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  const pools: DatabaseHandle[] = [];
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    actors = new PersistedActors({ db: tdb.db });
  });
  afterAll(async () => {
    await actors.close();
    for (const p of pools) await p.close();
    await tdb.close();
  });

  it('N concurrent claimers of one queued task: exactly one gets it', async () => {
    await queueTasks(actors, 'one', 1);
    const claimers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const h = tdb.url ? await createDatabase({ url: tdb.url, schema: tdb.schema!, max: 1 }) : null;
        if (h) pools.push(h);
        return new PersistedActors({ db: (h ?? tdb).db });
      }),
    );
    const got = await Promise.all(claimers.map((c, i) => c.claim({ workerId: `w${i}`, capabilities: ['node'] })));
    expect(got.flat().map((t) => t.id)).toEqual(['one-0000']);
    expect(got.flat()[0]!.to).toBe('running');
    const history = await readHistory(tdb.db, 'task', 'one-0000');
    expect(history.filter((r) => r.trigger === 'worker_started')).toHaveLength(1);
    for (const c of claimers) await c.close();
  });

  it('claims only tasks whose capabilities the worker has', async () => {
    await actors.create('task', 'py-task', { required_capabilities: ['python'] });
    await actors.send('task', 'py-task', { type: 'scheduler_assigned' });
    expect(await actors.claim({ workerId: 'node-only', capabilities: ['node'], limit: 10 })).toEqual([]);
    expect((await actors.claim({ workerId: 'polyglot', capabilities: ['node', 'python'], limit: 10 })).map((t) => t.id)).toEqual(['py-task']);
  });

  it('8 claimers in a loop over 200 tasks: every task claimed exactly once, audit intact', async () => {
    const ids = await queueTasks(actors, 'many', 200);
    const claimers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const h = tdb.url ? await createDatabase({ url: tdb.url, schema: tdb.schema!, max: 1 }) : null;
        if (h) pools.push(h);
        return new PersistedActors({ db: (h ?? tdb).db });
      }),
    );
    const claims = await Promise.all(
      claimers.map(async (c, i) => {
        const mine: string[] = [];
        for (;;) {
          const got = await c.claim({ workerId: `w${i}`, capabilities: ['node'], limit: 3 });
          if (got.length === 0) return mine;
          mine.push(...got.map((t) => t.id));
        }
      }),
    );
    expectExactlyOnce(claims, ids);
    for (const c of claimers) await c.close();
    expect((await verifyAudit(tdb.db)).ok).toBe(true);
  });

  if (kind === 'postgres') {
    it('4 OS processes over 1,000 tasks: zero double claims', async () => {
      const ids = await queueTasks(actors, 'proc', 1000);
      const runs = await Promise.all(
        Array.from({ length: 4 }, (_, i) => childDone(spawnChild('actor-child.ts', ['claim-loop', `proc-worker-${i}`, '--db', tdb.url!, '--schema', tdb.schema!]))),
      );
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      const claims = runs.map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!) as string[]);
      expectExactlyOnce(claims, ids);
      expect(claims.filter((c) => c.length > 0).length).toBeGreaterThan(1);
      expect((await verifyAudit(tdb.db)).ok).toBe(true);
    });
  }
});
