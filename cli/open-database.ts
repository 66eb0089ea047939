import { join } from 'node:path';
import type { PersistedActors } from '../actors/index.js';
import { createDatabase, DatabaseNotFoundError, DEFAULT_STATE_DIR, migrateToLatest, resolveDatabaseOptions, type DatabaseHandle } from '../persistence/index.js';
import type { GlobalOptions } from './command.js';
import { NoDatabaseError, UsageError } from './errors.js';
import { explainNotFound } from './unknown-id.js';

/** How a command opens its database: `migrate` (default true) to the latest schema; `existing` (default false): read-only commands. */
export interface OpenOptions {
  readonly migrate?: boolean;
  /** Create nothing: no database where the options point is a `NoDatabaseError` (exit 1) saying where it looked. */
  readonly existing?: boolean;
  /**
   * A PGlite state directory held by another live process (a `gantry run` …) is reached through the socket that
   * process serves there, in a session of this mode; default `read-only` with `existing`, else none (refused as in use).
   */
  readonly live?: 'read-only' | 'read-write';
}

/** The message of a `NoDatabaseError`: where the command looked, why that is no database, and how to point elsewhere. */
function noDatabase(global: GlobalOptions, err: DatabaseNotFoundError): NoDatabaseError {
  const how =
    err.kind === 'pglite'
      ? `The embedded database is looked for in <state-dir>/pgdata, --state-dir ${global.stateDir}${global.stateDir === DEFAULT_STATE_DIR ? ' (the default, relative to the current directory)' : ''}: ` +
        'pass --state-dir DIR with the directory `gantry run` used, or --db URL (or DATABASE_URL) for PostgreSQL'
      : 'Check --db URL / DATABASE_URL and GANTRY_DB_SCHEMA (the schema `gantry run` used); `gantry db migrate` creates the tables; ' +
        'without --db and DATABASE_URL the embedded database under --state-dir DIR is used';
  return new NoDatabaseError(err.target, `${err.message}; nothing was created.\n  ${how}.`, { cause: err });
}

/**
 * Opens the database the global options name (`--db URL` > `DATABASE_URL` > PGlite under `--state-dir`), in the
 * schema `GANTRY_DB_SCHEMA` when set, migrated to the latest schema unless `migrate` is false. With `existing`, a
 * command that only reads state creates nothing and fails with `NoDatabaseError` when there is no database there, and
 * reads an embedded database another live process holds through that process's socket (read-only session).
 */
export async function openDatabase(global: GlobalOptions, opts: OpenOptions = {}): Promise<DatabaseHandle> {
  const schema = process.env['GANTRY_DB_SCHEMA']?.trim() || undefined;
  const live = opts.live ?? (opts.existing ? 'read-only' : undefined);
  const where = resolveDatabaseOptions({ db: global.db ?? undefined, stateDir: global.stateDir });
  const base = { ...where, ...(opts.existing ? { existing: true } : {}), ...(live && 'stateDir' in where ? { live } : {}) };
  let handle: DatabaseHandle;
  try {
    handle = await createDatabase(schema ? { ...base, schema } : base);
  } catch (err) {
    if (err instanceof DatabaseNotFoundError) throw noDatabase(global, err);
    throw err;
  }
  // Through a live process's socket the holder has migrated its database (and a read-only session could not).
  if ((opts.migrate ?? true) && !handle.live) {
    try {
      await migrateToLatest(handle.db);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  return handle;
}

/**
 * Runs `fn` with the opened database (see {@link openDatabase}), closing it after, whatever `fn` does; an entity or
 * run that does not exist becomes an `UnknownIdError` naming the closest existing ids.
 */
export async function withDatabase<T>(global: GlobalOptions, fn: (handle: DatabaseHandle) => Promise<T>, opts: OpenOptions = {}): Promise<T> {
  const handle = await openDatabase(global, opts);
  try {
    return await fn(handle);
  } catch (err) {
    throw await explainNotFound(handle.db, err);
  } finally {
    await handle.close();
  }
}

/** Runs `fn` with persisted actors on the opened database (JSONL under the state directory), closing both after; unknown ids as in {@link withDatabase}. */
export async function withActors<T>(global: GlobalOptions, fn: (actors: PersistedActors, handle: DatabaseHandle) => Promise<T>, opts: OpenOptions = {}): Promise<T> {
  // Loaded here, not at the top: commands that only read the database (status …) never load the machines.
  const { PersistedActors } = await import('../actors/index.js');
  const handle = await openDatabase(global, opts);
  const actors = new PersistedActors({ db: handle.db, transitionLog: join(global.stateDir, 'transitions.jsonl') });
  try {
    return await fn(actors, handle);
  } catch (err) {
    throw await explainNotFound(handle.db, err);
  } finally {
    await actors.close();
    await handle.close();
  }
}

/** Parses a JSON option value that must be an object; a clear usage error names the option otherwise. */
export function jsonObjectOption(value: string | null, option: string, command: string): Record<string, unknown> {
  if (value === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new UsageError(`--${option} is not valid JSON: ${(err as Error).message}`, command);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`--${option} must be a JSON object`, command);
  return parsed as Record<string, unknown>;
}

/**
 * `--external-workers`: true when given, after checking that the database is a shared PostgreSQL (`--db` or
 * `DATABASE_URL`) — on the embedded PGlite no `gantry worker` process could ever join, and the run would wait forever.
 */
export function externalWorkersOption(ctx: { readonly options: Readonly<Record<string, unknown>>; readonly global: GlobalOptions; readonly command: string }): boolean {
  if (ctx.options['external-workers'] !== true) return false;
  if (!ctx.global.db && !process.env['DATABASE_URL']) {
    throw new UsageError('--external-workers needs a shared PostgreSQL database (--db URL or DATABASE_URL): no gantry worker can join the embedded PGlite', ctx.command);
  }
  return true;
}
