import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabase, DatabaseUnavailableError, insertEntity, loadEntity, migrateToLatest, PersistenceError, redactUrl,
  resolveDatabaseOptions,
} from '../../persistence/index.js';
import { newEntity } from '../support/audit-fixtures.js';
import { uniqueSchemaName } from '../support/test-database.js';

describe('resolveDatabaseOptions', () => {
  it('prefers --db, then DATABASE_URL, then PGlite under the state directory', () => {
    const env = { DATABASE_URL: 'postgres://env/db' };
    expect(resolveDatabaseOptions({ db: 'postgres://flag/db', stateDir: 's' }, env)).toEqual({ url: 'postgres://flag/db' });
    expect(resolveDatabaseOptions({ stateDir: 's' }, env)).toEqual({ url: 'postgres://env/db' });
    expect(resolveDatabaseOptions({ stateDir: 's' }, { DATABASE_URL: '  ' })).toEqual({ stateDir: 's' });
    expect(resolveDatabaseOptions({}, {})).toEqual({ stateDir: '.state' });
  });

  it('hides the password of a URL in messages', () => {
    expect(redactUrl('postgres://u:secret@h:5432/d')).toBe('postgres://u:***@h:5432/d');
    expect(redactUrl('not a url')).toBe('(unparseable database URL)');
  });
});

describe('createDatabase with a PGlite state directory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps its data in <stateDir>/pgdata across close and reopen; close twice is harmless', async () => {
    const stateDir = join(dir, 'nested', '.state');
    const first = await createDatabase({ stateDir });
    expect(first.kind).toBe('pglite');
    expect(first.target).toBe(join(stateDir, 'pgdata'));
    await migrateToLatest(first.db);
    await insertEntity(first.db, newEntity('run', 'kept', 'pending'));
    await first.close();
    await first.close();
    expect(existsSync(join(stateDir, 'pgdata', 'PG_VERSION'))).toBe(true);
    const again = await createDatabase({ stateDir });
    try {
      expect(await migrateToLatest(again.db)).toEqual({ applied: [] });
      expect((await loadEntity(again.db, 'run', 'kept'))?.state).toBe('pending');
    } finally {
      await again.close();
    }
  });

  it('refuses a second open of a data directory in use, here or by a live process, and takes over a dead holder’s lock', async () => {
    const stateDir = join(dir, 'locked');
    const first = await createDatabase({ stateDir });
    const lock = join(stateDir, 'pgdata.lock');
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    await expect(createDatabase({ stateDir })).rejects.toThrow(/in use by this process/);
    await first.close();
    expect(existsSync(lock)).toBe(false);

    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await writeFile(lock, `${holder.pid}\n`);
      const error = await createDatabase({ stateDir }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect((error as Error).message).toContain(`in use by process ${holder.pid}`);
    } finally {
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await exited;
    }
    // Its holder is dead now: the stale lock is taken over.
    const again = await createDatabase({ stateDir });
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid));
    await again.close();
  });

  it('an unusable state directory raises DatabaseUnavailableError', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const error = await createDatabase({ stateDir: file }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({ kind: 'pglite' });
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(createDatabase({ stateDir: dir, schema: 'x"; drop' })).rejects.toBeInstanceOf(PersistenceError);
  });
});

if (process.env['DATABASE_URL']) {
  describe('createDatabase with a PostgreSQL URL', () => {
    const url = process.env['DATABASE_URL']!;

    it('sets search_path to the given schema, creating it', async () => {
      const schema = uniqueSchemaName();
      const h = await createDatabase({ url, schema });
      try {
        expect(h).toMatchObject({ kind: 'postgres', schema });
        const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(h.db);
        expect(rows[0]!.s).toBe(schema);
      } finally {
        await sql`drop schema ${sql.id(schema)} cascade`.execute(h.db);
        await h.close();
        await h.close();
      }
    });

    it('an unreachable server raises DatabaseUnavailableError without the password', async () => {
      const error = await createDatabase({ url: 'postgres://postgres:hunter2@127.0.0.1:1/test' }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect(error).toMatchObject({ kind: 'postgres', target: 'postgres://postgres:***@127.0.0.1:1/test' });
      expect((error as Error).message).not.toContain('hunter2');
      expect((error as Error).cause).toBeDefined();
    });
  });
}
