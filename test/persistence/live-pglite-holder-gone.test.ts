import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLivePglite } from '../../persistence/open-live-pglite.js';
import { StateDirInUseError } from '../../persistence/errors.js';
import { servePgliteSocket, PGLITE_SOCKET_NAME, type PgliteSocketServer } from '../../persistence/pglite-socket-server.js';

// A command reaching a live engine's PGlite through its socket (openLivePglite) while the engine closes: the
// connection drops in the middle of the command's transaction. The command's query fails with the reason; the
// process does not die of an unhandled 'error' event of the driver (seen once as an uncaught EPIPE). PGlite only.
describe('a live PGlite connection whose holder goes away (PGlite)', () => {
  let dir: string;
  let pglite: PGlite;
  let server: PgliteSocketServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-holder-gone-'));
    pglite = new PGlite();
    await pglite.waitReady;
    await pglite.exec('create table t (n int)');
    server = await servePgliteSocket(pglite, join(dir, PGLITE_SOCKET_NAME));
  });
  afterAll(async () => {
    await server.close();
    await pglite.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails the command’s next query with the reason instead of crashing the process', async () => {
    const inUse = new StateDirInUseError(dir, process.pid, join(dir, 'lock'));
    const handle = await openLivePglite(dir, inUse, 'read-write');
    try {
      const failed = handle.db.transaction().execute(async (trx) => {
        await sql`insert into t values (1)`.execute(trx);
        // The holder closes while this transaction holds the connection.
        await server.close();
        await new Promise((r) => setTimeout(r, 50));
        await sql`insert into t values (2)`.execute(trx);
      });
      await expect(failed).rejects.toThrow(/terminated|not queryable|ECONNRESET|EPIPE/);
    } finally {
      await handle.close();
    }
    // The client rolled nothing into the holder's database.
    expect((await pglite.query<{ n: number }>('select count(*)::int as n from t')).rows[0]!.n).toBe(0);
  });
});
