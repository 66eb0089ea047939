import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { canonicalJson, PersistedActors, replayAudit } from '../../actors/index.js';
import { applyEvent, initialSnapshot, parseEvent, parseInput, persistSnapshot } from '../../machines/index.js';
import { createDatabase, loadEntity, readHistory, type DatabaseHandle } from '../../persistence/index.js';
import { RESTART_INPUT, RESTART_SCRIPT_A, RESTART_SCRIPT_B } from '../support/restart-script.js';
import { childDone, spawnChild } from '../support/spawn-child.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';

describe.each(testDatabases())('restart on %s', (kind) => {
  it('an actor persisted by one process is restored from its snapshot by another and continues identically', async () => {
    let args: string[];
    let open: () => Promise<DatabaseHandle>;
    let drop: () => Promise<void>;
    if (kind === 'pglite') {
      const dir = await mkdtemp(join(tmpdir(), 'gantry-restart-'));
      args = ['--state-dir', dir];
      open = () => createDatabase({ stateDir: dir });
      drop = () => rm(dir, { recursive: true, force: true });
    } else {
      const url = process.env['DATABASE_URL']!;
      const schema = uniqueSchemaName();
      args = ['--db', url, '--schema', schema];
      open = () => createDatabase({ url, schema });
      drop = async () => {
        const h = await createDatabase({ url });
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
        await h.close();
      };
    }
    try {
      const first = await childDone(spawnChild('actor-child.ts', ['script', 'task-r', ...args]));
      expect(first.code, first.stderr).toBe(0);

      const h = await open();
      const actors = new PersistedActors({ db: h.db });
      try {
        expect((await actors.load('task', 'task-r')).state).toBe('retrying');
        for (const e of RESTART_SCRIPT_B) await actors.send('task', 'task-r', e);
        await actors.close();

        // The same events through the pure machine, in one process, with no database.
        let snap = initialSnapshot('task', parseInput('task', RESTART_INPUT));
        for (const e of [...RESTART_SCRIPT_A, ...RESTART_SCRIPT_B]) snap = applyEvent('task', snap, parseEvent('task', e)).snapshot;
        const stored = (await loadEntity(h.db, 'task', 'task-r'))!;
        expect(stored.state).toBe('completed');
        expect(canonicalJson(stored.snapshot)).toBe(canonicalJson(persistSnapshot('task', snap)));
        expect((await readHistory(h.db, 'task', 'task-r')).map((r) => r.toState)).toEqual(['pending', 'queued', 'running', 'retrying', 'queued', 'running', 'validating', 'completed']);
        expect((await replayAudit(h.db)).ok).toBe(true);
      } finally {
        await h.close();
      }
    } finally {
      await drop();
    }
  });
});
