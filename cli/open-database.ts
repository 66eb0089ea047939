import { join } from 'node:path';
import type { PersistedActors } from '../actors/index.js';
import { createDatabase, migrateToLatest, resolveDatabaseOptions, type DatabaseHandle } from '../persistence/index.js';
import type { GlobalOptions } from './command.js';
import { UsageError } from './errors.js';

/**
 * Opens the database the global options name (`--db URL` > `DATABASE_URL` > PGlite under `--state-dir`), in the
 * schema `GANTRY_DB_SCHEMA` when set, migrated to the latest schema unless `migrate` is false.
 */
export async function openDatabase(global: GlobalOptions, opts: { migrate?: boolean } = {}): Promise<DatabaseHandle> {
  const schema = process.env['GANTRY_DB_SCHEMA']?.trim() || undefined;
  const base = resolveDatabaseOptions({ db: global.db ?? undefined, stateDir: global.stateDir });
  const handle = await createDatabase(schema ? { ...base, schema } : base);
  if (opts.migrate ?? true) {
    try {
      await migrateToLatest(handle.db);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  return handle;
}

/** Runs `fn` with the opened database (see {@link openDatabase}), closing it after, whatever `fn` does. */
export async function withDatabase<T>(global: GlobalOptions, fn: (handle: DatabaseHandle) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const handle = await openDatabase(global, opts);
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

/** Runs `fn` with persisted actors on the opened database (JSONL under the state directory), closing both after. */
export async function withActors<T>(global: GlobalOptions, fn: (actors: PersistedActors, handle: DatabaseHandle) => Promise<T>): Promise<T> {
  // Loaded here, not at the top: commands that only read the database (status …) never load the machines.
  const { PersistedActors } = await import('../actors/index.js');
  const handle = await openDatabase(global);
  const actors = new PersistedActors({ db: handle.db, transitionLog: join(global.stateDir, 'transitions.jsonl') });
  try {
    return await fn(actors, handle);
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
