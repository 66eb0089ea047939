import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createDatabase, migrateToLatest, resolveDatabaseOptions, type DatabaseHandle } from '../../persistence/index.js';
import { runGantry, type GantryResult } from '../cli/run-gantry.js';
import { uniqueSchemaName, type TestDatabaseKind } from '../support/test-database.js';

/** A database the `gantry` CLI and the test share: PGlite under a temp state directory, or a fresh PostgreSQL schema. */
export interface CliDatabase {
  readonly stateDir: string;
  /** Runs `gantry …` against this database (global options appended), with no operator in the environment. */
  gantry(...args: string[]): Promise<GantryResult>;
  /** The global options and environment a `gantry` child needs to reach this database. */
  invocation(): { args: string[]; env: NodeJS.ProcessEnv };
  /** Runs `gantry …` with extra environment variables. */
  gantryEnv(extra: NodeJS.ProcessEnv, ...args: string[]): Promise<GantryResult>;
  /** Opens the database in this process (close it before the next CLI call: PGlite takes one process). */
  open(): Promise<DatabaseHandle>;
  /** Runs `fn` on the opened database and closes it. */
  use<T>(fn: (h: DatabaseHandle) => Promise<T>): Promise<T>;
  cleanup(): Promise<void>;
}

/** Creates and migrates the shared database of `kind`. */
export async function cliDatabase(kind: TestDatabaseKind): Promise<CliDatabase> {
  const stateDir = await mkdtemp(join(tmpdir(), 'gantry-recovery-'));
  const { DATABASE_URL, GANTRY_OPERATOR: _o, GANTRY_OPERATOR_TOKEN: _t, ...rest } = process.env;
  const schema = kind === 'postgres' ? uniqueSchemaName() : null;
  const args = schema ? ['--db', DATABASE_URL!, '--state-dir', stateDir] : ['--state-dir', stateDir];
  const env: NodeJS.ProcessEnv = schema ? { ...rest, GANTRY_DB_SCHEMA: schema } : rest;
  const open = (): Promise<DatabaseHandle> => (schema ? createDatabase({ url: DATABASE_URL!, schema }) : createDatabase(resolveDatabaseOptions({ stateDir }, {})));
  const use = async <T>(fn: (h: DatabaseHandle) => Promise<T>): Promise<T> => {
    const h = await open();
    try {
      return await fn(h);
    } finally {
      await h.close();
    }
  };
  await use((h) => migrateToLatest(h.db));
  return {
    stateDir,
    gantry: (...a) => runGantry([...a, ...args], env),
    invocation: () => ({ args: [...args], env: { ...env } }),
    gantryEnv: (extra, ...a) => runGantry([...a, ...args], { ...env, ...extra }),
    open,
    use,
    async cleanup() {
      if (schema) {
        const h = await createDatabase({ url: DATABASE_URL! });
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
        await h.close();
      }
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Audit rows in the database (to prove that a refusal wrote nothing). */
export async function auditCount(h: DatabaseHandle): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM state_transitions`.execute(h.db);
  return rows[0]!.n;
}
