import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import type { DatabaseHandle } from './create-database.js';
import type { Database } from './database.js';
import { DatabaseNotFoundError, DatabaseUnavailableError, type StateDirInUseError } from './errors.js';
import { gantrySchemaPresent } from './gantry-schema-present.js';
import { PGLITE_SOCKET_NAME, PGLITE_SOCKET_WRITER } from './pglite-socket-server.js';

/** The `user` of a read-only session on the socket (any user but {@link PGLITE_SOCKET_WRITER} reads only). */
const READER = 'gantry_read';

/**
 * Reaches the PGlite database of the state directory `stateDir`, held by the live process `inUse` names, through
 * the socket that process serves there (`<stateDir>/.s.PGSQL.5432`), with the `pg` driver and one connection, in a
 * read-only session unless `mode` is `read-write`. No socket there (a holder that serves none): `inUse` is thrown
 * as it is; a socket that does not answer is a `DatabaseUnavailableError` saying so. With `existing`, a database
 * without Gantry tables is a `DatabaseNotFoundError`. Named prepared statements are not used: the holder's own
 * statements live in the same PGlite session.
 */
export async function openLivePglite(stateDir: string, inUse: StateDirInUseError, mode: 'read-only' | 'read-write', existing = false): Promise<DatabaseHandle> {
  const socket = join(stateDir, PGLITE_SOCKET_NAME);
  if (!existsSync(socket)) throw inUse;
  const pid = inUse.pid!;
  const target = `${inUse.target} (served by process ${pid})`;
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ host: stateDir, user: mode === 'read-write' ? PGLITE_SOCKET_WRITER : READER, database: 'gantry', max: 1 });
  // The holder went away (it closes the socket when its engine stops): the queries of a client then fail with the
  // driver's reason ('Connection terminated unexpectedly', EPIPE), which is how the command hears of it. The driver
  // also emits the same error as an event — on an idle client through the pool, and on a client the command holds
  // (a transaction) on the client itself, where no listener would make it an uncaught exception.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await db.executeQuery(CompiledQuery.raw('select 1'));
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const why = error instanceof Error ? error.message : String(error);
    throw new DatabaseUnavailableError('pglite', inUse.target, { cause: new Error(`the data directory is in use by process ${pid} and its socket ${socket} does not answer (${why})`, { cause: error }) });
  }
  if (existing && !(await gantrySchemaPresent(db))) {
    await db.destroy();
    throw new DatabaseNotFoundError('pglite', target, 'no Gantry tables in the database of the process holding it');
  }
  let closing: Promise<void> | null = null;
  return { db, kind: 'pglite', target, schema: null, live: { pid, socket, mode }, close: () => (closing ??= db.destroy()) };
}
