import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { afterAll, beforeAll, inject } from 'vitest';
import { createDatabase, migrateToLatest, type DatabaseHandle } from '../../persistence/index.js';
import { buildPgliteTemplate, pgliteFromTemplate } from './pglite-template.js';

/** A database engine the tests run on. */
export type TestDatabaseKind = 'pglite' | 'postgres';

/** An isolated database for one test file; `close()` also drops its schema (PostgreSQL). */
export interface TestDatabase extends DatabaseHandle {
  /** PostgreSQL URL (null on PGlite), to open more connections to the same schema. */
  readonly url: string | null;
}

/** The kinds to run every database test on: PGlite always, PostgreSQL when `DATABASE_URL` is set. */
export function testDatabases(): TestDatabaseKind[] {
  return process.env['DATABASE_URL'] ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh schema name, `t_<random>`. */
export function uniqueSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** How a spawned `gantry` reaches a test's database: its arguments, its environment, and its schema (PostgreSQL). */
export interface CliTarget {
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
  /** The fresh schema the CLI works in (`GANTRY_DB_SCHEMA`) on PostgreSQL; null on PGlite. */
  readonly schema: string | null;
}

/**
 * The CLI arguments and environment for a test of `kind` whose state lives in `stateDir`: `--state-dir DIR`, plus on
 * PostgreSQL `--db DATABASE_URL` and a fresh schema; `DATABASE_URL` itself is never passed on (PGlite must stay PGlite).
 */
export function cliTarget(kind: TestDatabaseKind, stateDir: string): CliTarget {
  const { DATABASE_URL: url, ...rest } = process.env;
  if (kind !== 'postgres') return { args: ['--state-dir', stateDir], env: rest, schema: null };
  const schema = uniqueSchemaName();
  return { args: ['--state-dir', stateDir, '--db', url!], env: { ...rest, GANTRY_DB_SCHEMA: schema }, schema };
}

/** Drops the PostgreSQL schema a CLI target created (`cliTarget`); nothing for the embedded database. */
export async function dropCliSchema(target: CliTarget | undefined): Promise<void> {
  if (!target?.schema) return;
  const h = await createDatabase({ url: process.env['DATABASE_URL']! });
  try {
    await sql`drop schema if exists ${sql.id(target.schema)} cascade`.execute(h.db);
  } finally {
    await h.close();
  }
}

async function templatePath(): Promise<string> {
  // Provided by test/support/global-setup.ts; built here when a run did not use that setup.
  return (inject('pgliteTemplate') as string | undefined) ?? (await buildPgliteTemplate());
}

/**
 * Opens an isolated database: on PostgreSQL a new schema `t_<random>` (search_path), migrated and
 * dropped on close; on PGlite an in-memory copy of the migrated template. `migrate: false` gives
 * an empty database instead (a fresh PGlite, ~3 s).
 */
export async function openTestDatabase(kind: TestDatabaseKind, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = opts.migrate ?? true;
  if (kind === 'pglite') {
    const pglite = migrate ? await pgliteFromTemplate(await templatePath()) : new PGlite();
    const handle = await createDatabase({ pglite, label: 'pglite (test copy)' });
    return { ...handle, url: null };
  }
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is not set: no PostgreSQL to test on');
  const schema = uniqueSchemaName();
  const handle = await createDatabase({ url, schema, max: 20 });
  if (migrate) await migrateToLatest(handle.db);
  let closing: Promise<void> | null = null;
  return {
    ...handle,
    url,
    close: () =>
      (closing ??= (async () => {
        try {
          await sql`drop schema ${sql.id(schema)} cascade`.execute(handle.db);
        } finally {
          await handle.close();
        }
      })()),
  };
}

/** A test file's database and a second handle on it holding one connection ({@link oneConnectionSuite}). */
export interface OneConnectionSuite {
  /** The file's database (any connection of its pool); valid inside tests. */
  readonly all: TestDatabase;
  /** One connection to the same data; valid inside tests. */
  readonly db: DatabaseHandle['db'];
}

/**
 * Registers the hooks of a test file that asks the session that ran a statement (prepared statements, a claim's
 * transaction): its database opened before the tests, and a handle of ONE connection to it — on PostgreSQL a pool of
 * one on its schema, on PGlite the database itself (it has one connection) — both closed after.
 */
export function oneConnectionSuite(kind: TestDatabaseKind): OneConnectionSuite {
  let tdb: TestDatabase | null = null;
  let one: DatabaseHandle | null = null;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    one = kind === 'pglite' ? tdb : await createDatabase({ url: tdb.url!, schema: tdb.schema!, max: 1 });
  });
  afterAll(async () => {
    if (one !== tdb) await one?.close();
    await tdb?.close();
  });
  return {
    get all() {
      return tdb!;
    },
    get db() {
      return one!.db;
    },
  };
}
