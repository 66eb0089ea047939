import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePgliteSocket, PGLITE_SOCKET_NAME, PGLITE_SOCKET_WRITER, type PgliteSocketServer } from '../../persistence/pglite-socket-server.js';

// The socket a process holding a PGlite data directory serves to other processes (issue 13): sessions are read-only
// unless they connect as the writer; a client's batch never runs inside the holder's transaction nor the holder
// inside the client's; a client that disconnects mid-transaction is rolled back and the instance handed back.
// PGlite only (the socket exists for PGlite); the clients here are in-process `pg` clients on the real socket.

describe('servePgliteSocket (PGlite)', () => {
  let dir: string;
  let pglite: PGlite;
  let server: PgliteSocketServer;
  const client = async (user = 'gantry_read') => {
    const c = new pg.Client({ host: dir, user, database: 'gantry' });
    await c.connect();
    return c;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-socket-'));
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

  it('listens on a socket only its owner may use', () => {
    expect(statSync(join(dir, PGLITE_SOCKET_NAME)).mode & 0o777).toBe(0o600);
  });

  it('reads with parameters; a read-only session cannot write, and the holder can after it', async () => {
    const c = await client();
    try {
      expect((await c.query('select $1::int + 1 as n', [41])).rows).toEqual([{ n: 42 }]);
      await expect(c.query('insert into t values (1)')).rejects.toThrow(/read-only transaction/);
      await expect(c.query('begin; commit; insert into t values (2)')).rejects.toThrow(/read-only transaction/);
    } finally {
      await c.end();
    }
    await pglite.query('insert into t values (3)');
    expect((await pglite.query<{ n: number }>('select n from t order by n')).rows).toEqual([{ n: 3 }]);
  });

  it('a writer session writes; its open transaction keeps the holder waiting until it commits', async () => {
    const c = await client(PGLITE_SOCKET_WRITER);
    try {
      await c.query('begin');
      await c.query('insert into t values (10)');
      let holderDone = false;
      const holder = pglite.query('insert into t values (11)').then(() => (holderDone = true));
      await new Promise((r) => setTimeout(r, 200));
      expect(holderDone).toBe(false);
      await c.query('commit');
      await holder;
      expect((await pglite.query<{ n: number }>('select n from t where n >= 10 order by n')).rows).toEqual([{ n: 10 }, { n: 11 }]);
    } finally {
      await c.end();
    }
  });

  it('a client never runs inside the holder’s transaction', async () => {
    const c = await client();
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const tx = pglite.transaction(async (t) => {
        await t.query('insert into t values (20)');
        await gate;
        await t.query('insert into t values (21)');
      });
      const seen = c.query<{ n: number }>('select count(*)::int as n from t where n >= 20');
      await new Promise((r) => setTimeout(r, 200));
      release();
      await tx;
      expect((await seen).rows[0]!.n).toBe(2);
    } finally {
      await c.end();
    }
  });

  it('a writer that disconnects mid-transaction is rolled back and the holder goes on', async () => {
    const c = await client(PGLITE_SOCKET_WRITER);
    await c.query('begin');
    await c.query('insert into t values (30)');
    c.on('error', () => undefined); // the connection it loses below
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await pglite.query('insert into t values (31)');
    expect((await pglite.query<{ n: number }>('select n from t where n >= 30 order by n')).rows).toEqual([{ n: 31 }]);
    expect(pglite.isInTransaction()).toBe(false);
    expect((await pglite.query('show default_transaction_read_only')).rows[0]).toEqual({ default_transaction_read_only: 'off' });
  });

  it('many clients at once all answer while the holder writes', async () => {
    let writes = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        await pglite.transaction(async (t) => void (await t.query('insert into t values (40)')));
        writes++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const clients = await Promise.all(Array.from({ length: 8 }, () => client()));
    try {
      const answers = await Promise.all(
        clients.map(async (c) => {
          const got: number[] = [];
          for (const i of [1, 2, 3]) got.push((await c.query<{ n: number }>('select $1::int as n', [i])).rows[0]!.n);
          return got;
        }),
      );
      expect(answers).toEqual(Array.from({ length: 8 }, () => [1, 2, 3]));
    } finally {
      stop = true;
      await writer;
      await Promise.all(clients.map((c) => c.end()));
    }
    expect(writes).toBeGreaterThan(0);
  });

  it('close stops serving and removes the socket file', async () => {
    const d = await mkdtemp(join(tmpdir(), 'gantry-socket-'));
    const p = join(d, PGLITE_SOCKET_NAME);
    const s = await servePgliteSocket(pglite, p);
    const c = new pg.Client({ host: d, user: 'gantry_read', database: 'gantry' });
    await c.connect();
    await c.end();
    expect(existsSync(p)).toBe(true);
    await s.close();
    expect(existsSync(p)).toBe(false);
    await rm(d, { recursive: true, force: true });
  });
});
