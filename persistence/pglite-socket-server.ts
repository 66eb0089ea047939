import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PersistenceError } from './errors.js';

/** File name of the socket in the state directory: what `pg` connects to with the directory as its host (port 5432). */
export const PGLITE_SOCKET_NAME = '.s.PGSQL.5432';
/** The `user` a client names in its startup message to get a read-write session; any other user reads only. */
export const PGLITE_SOCKET_WRITER = 'gantry_write';
/** Longest unix socket path the kernel takes (sun_path is 108 bytes with its NUL), minus a margin. */
export const MAX_SOCKET_PATH = 100;
/** How long a client may keep a transaction open without sending anything (the engine waits meanwhile). */
const HOLD_TIMEOUT_MS = 10_000;
/** At most this many clients at once; more are refused with a protocol error. */
const MAX_CLIENTS = 32;

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const cstring = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const simpleQuery = (text: string) => message('Q', cstring(text));

/** The backend's answer to a startup message: authentication ok, the settings `pg` reads, ready (idle). */
function startupReply(): Buffer {
  const params: [string, string][] = [
    ['server_version', '17.0 (PGlite)'],
    ['server_encoding', 'UTF8'],
    ['client_encoding', 'UTF8'],
    ['DateStyle', 'ISO, MDY'],
    ['integer_datetimes', 'on'],
    ['standard_conforming_strings', 'on'],
  ];
  const auth = Buffer.alloc(4);
  return Buffer.concat([
    message('R', auth),
    ...params.map(([k, v]) => message('S', Buffer.concat([cstring(k), cstring(v)]))),
    message('K', Buffer.alloc(8)),
    message('Z', Buffer.from('I')),
  ]);
}

function errorReply(text: string): Buffer {
  return message('E', Buffer.concat([cstring('SFATAL'), cstring('C53300'), cstring(`M${text}`), Buffer.from([0])]));
}

/** The transaction status of the last ReadyForQuery in a backend reply ('I' idle, 'T' in a transaction, 'E' failed one), null if none. */
function lastReadyStatus(reply: Uint8Array): string | null {
  let status: string | null = null;
  const view = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
  for (let at = 0; at + 5 <= view.length; at += 1 + view.readInt32BE(at + 1)) {
    if (view[at] === 0x5a) status = String.fromCharCode(view[at + 5]!);
  }
  return status;
}

/** A PGlite instance served on a unix socket; {@link close} stops serving and removes the socket file. */
export interface PgliteSocketServer {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * One client connection. Each batch of its messages up to a Sync or a simple Query runs with the instance held
 * exclusively (PGlite's transaction and query locks, in that order, as `transaction` and the prepared path take
 * them), so it never runs inside the engine's transaction nor the engine inside its own; a client that leaves a
 * transaction open keeps the instance until it ends it (or {@link HOLD_TIMEOUT_MS}, or it disconnects: rolled back).
 * A read-only session runs with `default_transaction_read_only` on, reset before the instance is handed back.
 */
class Session {
  #buffer = Buffer.alloc(0);
  #started = false;
  #writer = false;
  #pending: Buffer[] = [];
  #chain: Promise<void> = Promise.resolve();
  #release: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pglite: PGlite,
    private readonly socket: Socket,
  ) {}

  /** Takes the next bytes from the client. */
  receive(data: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, data]);
    while (this.#buffer.length >= 5) {
      if (!this.#started) {
        const length = this.#buffer.readInt32BE(0);
        if (this.#buffer.length < length) return;
        const code = this.#buffer.readInt32BE(4);
        const body = this.#buffer.subarray(8, length);
        this.#buffer = this.#buffer.subarray(length);
        if (code === SSL_REQUEST) this.socket.write('N');
        else if (code === PROTOCOL_3) this.#startup(body);
        else this.socket.destroy(); // a cancel request (PGlite has nothing to cancel) or an unknown protocol
        continue;
      }
      const length = 1 + this.#buffer.readInt32BE(1);
      if (this.#buffer.length < length) return;
      const msg = this.#buffer.subarray(0, length);
      this.#buffer = this.#buffer.subarray(length);
      const type = String.fromCharCode(msg[0]!);
      if (type === 'X') {
        this.socket.end();
        return;
      }
      this.#pending.push(msg);
      if (type === 'S' || type === 'Q' || type === 'H') {
        const batch = Buffer.concat(this.#pending);
        this.#pending = [];
        // A batch PGlite itself fails on (not an SQL error: those are replies) ends the connection; `end` then rolls back.
        this.#chain = this.#chain.then(() => this.#run(batch, type !== 'H')).catch(() => void this.socket.destroy());
      }
    }
  }

  #startup(body: Buffer): void {
    const fields = body.toString('utf8').split('\0');
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'user') this.#writer = fields[i + 1] === PGLITE_SOCKET_WRITER;
    this.#started = true;
    this.socket.write(startupReply());
  }

  async #hold(): Promise<void> {
    if (this.#release) return;
    await new Promise<void>((held) => {
      void this.pglite._runExclusiveTransaction(() =>
        this.pglite.runExclusive(() => new Promise<void>((release) => {
          this.#release = release;
          held();
        })),
      );
    });
    if (!this.#writer) await this.pglite.execProtocolRaw(simpleQuery('SET default_transaction_read_only = on'));
  }

  async #handBack(): Promise<void> {
    const release = this.#release;
    if (!release) return;
    try {
      if (!this.#writer) await this.pglite.execProtocolRaw(simpleQuery('RESET default_transaction_read_only'));
    } finally {
      this.#release = null;
      release();
    }
  }

  async #run(batch: Buffer, synced: boolean): Promise<void> {
    if (this.socket.destroyed) return;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#hold();
    const reply = await this.pglite.execProtocolRaw(new Uint8Array(batch.buffer, batch.byteOffset, batch.byteLength));
    if (!this.socket.destroyed) this.socket.write(reply);
    if (synced && lastReadyStatus(reply) === 'I') return this.#handBack();
    // In a transaction (or between Flush and Sync): keep the instance until the client ends it.
    this.#timer = setTimeout(() => this.socket.destroy(), HOLD_TIMEOUT_MS);
  }

  /** After the client is gone: whatever it left open is rolled back and the instance handed back. */
  async end(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    await this.#chain.catch(() => undefined);
    if (!this.#release) return;
    await this.pglite.execProtocolRaw(Buffer.concat([message('S', Buffer.alloc(0)), simpleQuery('ROLLBACK')]));
    await this.#handBack();
  }
}

/** Listens on `path`, created with mode 0600 (the umask is narrowed only while the socket is bound, synchronously). */
function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}

/**
 * Serves `pglite` over the PostgreSQL wire protocol on the unix socket `path` (mode 0600: its owner only), so that
 * other processes reach a database this process holds (the data directory takes one process). Clients get
 * read-only sessions unless they connect as {@link PGLITE_SOCKET_WRITER}. A socket file left by a dead holder is
 * replaced: the caller holds the state directory's lock.
 */
export async function servePgliteSocket(pglite: PGlite, path: string): Promise<PgliteSocketServer> {
  if (path.length > MAX_SOCKET_PATH) throw new PersistenceError(`socket path too long for a unix socket (${path.length} > ${MAX_SOCKET_PATH} bytes): ${path}`);
  const sessions = new Map<Socket, Session>();
  const ended = new Set<Promise<void>>();
  const server = createServer((socket) => {
    if (sessions.size >= MAX_CLIENTS) {
      socket.end(errorReply(`too many clients of this database (${MAX_CLIENTS})`));
      return;
    }
    const session = new Session(pglite, socket);
    sessions.set(socket, session);
    socket.on('data', (data) => session.receive(data));
    socket.on('error', () => socket.destroy()); // the client went away; 'close' follows
    socket.on('close', () => {
      sessions.delete(socket);
      const end = session.end().catch(() => undefined);
      ended.add(end);
      void end.then(() => ended.delete(end));
    });
  });
  if (existsSync(path)) unlinkSync(path);
  try {
    await listen(server, path);
  } catch (error) {
    throw new PersistenceError(`cannot serve the database on ${path}`, { cause: error });
  }
  chmodSync(path, 0o600);
  let closing: Promise<void> | null = null;
  return {
    path,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sessions.keys()) socket.destroy();
        await closed;
        await Promise.all([...ended]);
      })()),
  };
}
