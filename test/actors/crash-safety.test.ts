import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { replayAudit, verifyAudit } from '../../actors/index.js';
import { createDatabase, readHistory, scanEntities, type DatabaseHandle } from '../../persistence/index.js';
import { childDone, spawnChild, waitForLine } from '../support/spawn-child.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';

const KILLS = 6;

/** Where the child and the parent meet: a PGlite data directory, or a PostgreSQL schema. */
async function place(kind: 'pglite' | 'postgres'): Promise<{ args: string[]; open: () => Promise<DatabaseHandle>; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-crash-'));
    return { args: ['--state-dir', dir], open: () => createDatabase({ stateDir: dir }), drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const url = process.env['DATABASE_URL']!;
  const schema = uniqueSchemaName();
  return {
    args: ['--db', url, '--schema', schema],
    open: () => createDatabase({ url, schema }),
    drop: async () => {
      const h = await createDatabase({ url });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
    },
  };
}

describe.each(testDatabases())('crash safety on %s', (kind) => {
  let p: Awaited<ReturnType<typeof place>>;
  afterAll(async () => p?.drop());

  it(`a sender killed with SIGKILL ${KILLS} times at random points leaves no half-written transition`, async () => {
    p = await place(kind);
    let rounds = 0;
    for (let i = 0; i < KILLS; i++) {
      const child = spawnChild('actor-child.ts', ['crash-loop', 'cb', ...p.args]);
      const done = childDone(child);
      await waitForLine(child, /round \d+\n/);
      // A random point in the middle of the group commits.
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 300)));
      child.kill('SIGKILL');
      const end = await done;
      expect(end.signal, end.stderr).toBe('SIGKILL');
      rounds += (end.stdout.match(/round/g) ?? []).length;
    }
    expect(rounds).toBeGreaterThan(0);

    const h = await p.open();
    try {
      const v = await verifyAudit(h.db);
      expect(v.firstBroken).toBeNull();
      expect(v.entities).toBe(32);
      const r = await replayAudit(h.db);
      expect(r.mismatches).toEqual([]);
      // Every committed version has exactly its audit row, and every audit row its version.
      for await (const rec of scanEntities(h.db, 'circuit_breaker')) {
        const rows = await readHistory(h.db, 'circuit_breaker', rec.id);
        expect(rows.map((x) => x.seq)).toEqual(Array.from({ length: rec.version }, (_, i) => i + 1));
      }
    } finally {
      await h.close();
    }
  });
});
