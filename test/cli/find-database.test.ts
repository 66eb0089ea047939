import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../persistence/index.js';
import { cliTarget, testDatabases } from '../support/test-database.js';
import { runGantry } from './run-gantry.js';

/** The commands that only read state, each of which must find a database or say where it looked. */
const READERS: readonly (readonly string[])[] = [
  ['audit', 'verify'],
  ['audit', 'replay'],
  ['status'],
  ['history', 'task', 'demo.a'],
  ['logs', 'demo.a'],
  ['entity', 'show', 'task', 'demo.a'],
  ['stuck'],
  ['report', 'failures'],
  ['report', 'overrides'],
  ['metrics', '--port', '0'],
  ['inspect', '--port', '0'],
];

async function schemaExists(url: string, schema: string): Promise<boolean> {
  const h = await createDatabase({ url });
  try {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from information_schema.schemata where schema_name = ${schema}`.execute(h.db);
    return rows[0]!.n > 0;
  } finally {
    await h.close();
  }
}

describe.each(testDatabases())('read-only commands without a database (%s)', (kind) => {
  let dir: string;
  let stateDir: string;
  let args: string[];
  let env: NodeJS.ProcessEnv;
  let schema: string | null = null;
  const url = process.env['DATABASE_URL'];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-find-db-'));
    stateDir = join(dir, 'no-state-here');
    ({ args, env, schema } = cliTarget(kind, stateDir));
  });
  afterAll(async () => {
    if (schema) {
      const h = await createDatabase({ url: url! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('say where they looked and how to point elsewhere, exit 1, and create nothing', async () => {
    const results = await Promise.all(READERS.map((command) => runGantry([...command, ...args], env)));
    for (const [i, command] of READERS.entries()) {
      const r = results[i]!;
      expect(r.code, `${command.join(' ')}: ${r.stderr}`).toBe(1);
      if (kind === 'pglite') {
        expect(r.stderr, command.join(' ')).toContain(`no Gantry database at ${join(stateDir, 'pgdata')}: no PGlite data directory there; nothing was created.`);
        expect(r.stderr).toContain('pass --state-dir DIR');
        expect(r.stderr).toContain('--db URL (or DATABASE_URL)');
      } else {
        expect(r.stderr, command.join(' ')).toContain(`no Gantry tables in schema "${schema}"; nothing was created.`);
        expect(r.stderr).toContain('Check --db URL / DATABASE_URL and GANTRY_DB_SCHEMA');
      }
      expect(r.stdout).toBe('');
    }
    expect(existsSync(stateDir)).toBe(false);
    if (kind === 'postgres') expect(await schemaExists(url!, schema!)).toBe(false);
  }, 480_000);

  it('a command that creates state still creates it; then the readers find it', async () => {
    const m = await runGantry(['db', 'migrate', ...args], env);
    expect(m.code, m.stderr).toBe(0);
    const v = await runGantry(['audit', 'verify', ...args], env);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('audit intact: 0 entities');
    const s = await runGantry(['status', ...args], env);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('no run in the database');
  }, 480_000);
});
