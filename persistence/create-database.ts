/// <reference types="emscripten" preserve="true" />
// PGlite's declarations use the Emscripten globals without referencing them (@types/emscripten is only its dev
// dependency): this reference, kept in our .d.ts, lets a service with `skipLibCheck: false` compile against `DatabaseOptions`.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import type { Database } from './database.js';
import { DatabaseNotFoundError, DatabaseUnavailableError, PersistenceError, StateDirInUseError } from './errors.js';
import { gantrySchemaPresent } from './gantry-schema-present.js';
import { PgliteDialect } from './pglite-dialect.js';
import { usePglitePreparedStatements } from './prepared-pglite.js';
import { usePreparedStatements } from './prepared-statements.js';
import { openLivePglite } from './open-live-pglite.js';
import { markPipelined } from './pipelined.js';
import { PGLITE_SOCKET_NAME } from './pglite-socket-server.js';
import { serveOnSocket } from './serve-on-socket.js';
import { acquireStateDirLock } from './state-dir-lock.js';

/** Where the database lives: a PostgreSQL URL, a PGlite state directory, or an already-open PGlite instance. */
export type DatabaseOptions =
  | { readonly url: string; readonly schema?: string; readonly max?: number; readonly existing?: boolean }
  | {
      readonly stateDir?: string;
      readonly schema?: string;
      readonly existing?: boolean;
      /**
       * When another live process holds the state directory: reach its database through the socket it serves there,
       * in a read-only or read-write session. Absent (the default): such a directory is refused (`StateDirInUseError`).
       */
      readonly live?: 'read-only' | 'read-write';
    }
  | { readonly pglite: PGlite; readonly schema?: string; readonly label?: string };

/** An open database: the typed Kysely instance, which engine it is, and how to close it (PGlite hangs the process otherwise). */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: 'postgres' | 'pglite';
  /** URL (password hidden) or PGlite data directory, for messages. */
  readonly target: string;
  /** The schema set as `search_path`, or null for the default. */
  readonly schema: string | null;
  /** Set when the PGlite database is reached through the socket of the live process holding it (see `live`). */
  readonly live?: { readonly pid: number; readonly socket: string; readonly mode: 'read-only' | 'read-write' };
  /** Closes the pool or the PGlite instance; safe to call twice. */
  close(): Promise<void>;
}

/** Default PGlite state directory (docs/design/engine.md §3, docs/design/plan.md `--state-dir`). */
export const DEFAULT_STATE_DIR = '.state';

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function checkSchema(schema: string | undefined): string | null {
  if (schema === undefined) return null;
  if (!SCHEMA_NAME.test(schema)) throw new PersistenceError(`invalid schema name '${schema}' (letters, digits, underscore)`);
  return schema;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

async function ensureSchema(db: Kysely<Database>, schema: string | null): Promise<void> {
  if (schema === null) return;
  try {
    await db.executeQuery(CompiledQuery.raw(`create schema if not exists "${schema}"`));
  } catch (error) {
    // Two openers racing on IF NOT EXISTS may still see a duplicate: the schema exists either way.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}

function handle(db: Kysely<Database>, kind: 'postgres' | 'pglite', target: string, schema: string | null, after?: () => Promise<void>): DatabaseHandle {
  let closing: Promise<void> | null = null;
  return {
    db,
    kind,
    target,
    schema,
    close: () =>
      (closing ??= (async () => {
        try {
          await db.destroy();
        } finally {
          await after?.();
        }
      })()),
  };
}

/** Throws `DatabaseNotFoundError` (after closing `db`) when the opened database holds no Gantry tables. */
async function requireGantrySchema(db: Kysely<Database>, kind: 'postgres' | 'pglite', target: string, schema: string | null): Promise<void> {
  if (await gantrySchemaPresent(db)) return;
  await db.destroy();
  throw new DatabaseNotFoundError(kind, target, `no Gantry tables ${schema ? `in schema "${schema}"` : 'in its default schema'}`);
}

async function openPostgres(url: string, schema: string | null, max: number | undefined, existing: boolean): Promise<DatabaseHandle> {
  const target = redactUrl(url);
  // Loaded only for PostgreSQL: commands on the embedded PGlite never load the pg driver.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: max ?? 10,
    // Pipeline mode: a statement queued on a client while another runs is sent at once instead of after its answer.
    // Kysely never does that (it waits for each statement), so only code that queues statements together on purpose
    // saves round trips (persistence/claim-round.ts); everything else runs as before.
    pipeline: true,
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  // An idle client that loses its server is dropped from the pool; the next query reports the problem.
  pool.on('error', () => undefined);
  usePreparedStatements(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  markPipelined(db);
  try {
    if (!existing) await ensureSchema(db, schema);
    await db.executeQuery(CompiledQuery.raw('select 1'));
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new DatabaseUnavailableError('postgres', target, { cause: error });
  }
  if (existing) await requireGantrySchema(db, 'postgres', target, schema);
  return handle(db, 'postgres', target, schema);
}

async function openPglite(pglite: PGlite, target: string, schema: string | null, release: () => void = () => undefined, existing = false): Promise<DatabaseHandle> {
  const closePglite = async () => {
    try {
      if (!pglite.closed) await pglite.close();
    } finally {
      release();
    }
  };
  let db: Kysely<Database>;
  try {
    await pglite.waitReady;
    usePglitePreparedStatements(pglite);
    if (schema && !existing) await pglite.query(`create schema if not exists "${schema}"`);
    db = new Kysely<Database>({
      dialect: new PgliteDialect({
        pglite,
        ...(schema ? { onCreateConnection: async (c) => void (await c.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`))) } : {}),
      }),
    });
    await db.executeQuery(CompiledQuery.raw('select 1'));
  } catch (error) {
    await closePglite().catch(() => undefined);
    throw new DatabaseUnavailableError('pglite', target, { cause: error });
  }
  if (existing) {
    try {
      await requireGantrySchema(db, 'pglite', target, schema);
    } catch (error) {
      await closePglite();
      throw error;
    }
  }
  return handle(db, 'pglite', target, schema, closePglite);
}

/**
 * Opens the database: `{ url }` → PostgreSQL through a `pg` pool (`schema` sets `search_path`,
 * creating the schema if needed); `{ stateDir }` (default `.state`) → PGlite with its data in
 * `<stateDir>/pgdata` (locked by `<stateDir>/pgdata.lock` while open, and served meanwhile to other processes on the
 * socket `<stateDir>/.s.PGSQL.5432`; with `live`, a directory another process holds is reached through its socket); `{ pglite }` → an open PGlite instance, owned (and closed) by the handle.
 * `existing: true` (default false) creates nothing — no state directory, data directory or schema — and throws
 * `DatabaseNotFoundError` when there is no Gantry database there (no data directory, or no Gantry tables).
 */
export async function createDatabase(opts: DatabaseOptions = {}): Promise<DatabaseHandle> {
  const schema = checkSchema(opts.schema);
  if ('url' in opts) return openPostgres(opts.url, schema, opts.max, opts.existing === true);
  if ('pglite' in opts) return openPglite(opts.pglite, opts.label ?? 'pglite (in-memory)', schema);
  const stateDir = resolve(opts.stateDir ?? DEFAULT_STATE_DIR);
  const dataDir = join(stateDir, 'pgdata');
  const existing = opts.existing === true;
  if (existing && !existsSync(join(dataDir, 'PG_VERSION'))) throw new DatabaseNotFoundError('pglite', dataDir, 'no PGlite data directory there');
  let pglite: PGlite;
  let release: () => void = () => undefined;
  try {
    mkdirSync(stateDir, { recursive: true });
    release = acquireStateDirLock(stateDir, dataDir);
    pglite = new PGlite(dataDir);
  } catch (error) {
    release();
    if (error instanceof StateDirInUseError && error.pid !== null && opts.live) return openLivePglite(stateDir, error, opts.live, existing);
    if (error instanceof DatabaseUnavailableError) throw error;
    throw new DatabaseUnavailableError('pglite', dataDir, { cause: error });
  }
  const opened = await openPglite(pglite, dataDir, schema, release, existing);
  return serveOnSocket(opened, pglite, join(stateDir, PGLITE_SOCKET_NAME));
}

/** The database-related global options of the CLI (docs/design/plan.md): `--db URL` and `--state-dir DIR`. */
export interface DatabaseCliOptions {
  readonly db?: string | undefined;
  readonly stateDir?: string | undefined;
}

/** Picks the database: `--db URL` > `DATABASE_URL` > PGlite under the state directory (default `.state`). */
export function resolveDatabaseOptions(cli: DatabaseCliOptions = {}, env: NodeJS.ProcessEnv = process.env): DatabaseOptions {
  if (cli.db) return { url: cli.db };
  const fromEnv = env['DATABASE_URL'];
  if (fromEnv && fromEnv.trim() !== '') return { url: fromEnv.trim() };
  return { stateDir: cli.stateDir ?? DEFAULT_STATE_DIR };
}
