import type { PGlite, Transaction } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { PersistenceError } from './errors.js';

/** How to open the Kysely side of an embedded PGlite instance. */
export interface PgliteDialectConfig {
  /** The open PGlite instance the dialect queries (the dialect closes it when Kysely is destroyed). */
  readonly pglite: PGlite;
  /** Run once on the single connection before its first use (e.g. `set search_path`); default none. */
  readonly onCreateConnection?: (connection: DatabaseConnection) => Promise<void>;
}

/**
 * PostgreSQL's SQL with PGlite's single connection: migrations need no advisory lock (nobody else can be on the
 * connection while the migrator holds it), and {@link isSingleConnection} tells the group committer not to run
 * batches side by side.
 */
export class PgliteAdapter extends PostgresAdapter {
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

/** What a transaction callback throws to make PGlite roll back (not an error: the caller asked for it). */
const ROLLED_BACK = new PersistenceError('transaction rolled back on request');

/** One PGlite query, with a transaction's handle while one is open. */
class PgliteConnection implements DatabaseConnection {
  #tx: Transaction | null = null;
  #finish: ((commit: boolean) => void) | null = null;
  #closed: Promise<unknown> | null = null;

  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { affectedRows, rows } = await (this.#tx ?? this.pglite).query<R>(query.sql, [...query.parameters], { rowMode: 'object' });
    return { rows: rows ?? [], ...(affectedRows != null ? { numAffectedRows: BigInt(affectedRows) } : {}) };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new PersistenceError('PGlite does not stream query results: use execute()');
  }

  /**
   * Opens a transaction with PGlite's own `transaction`, which holds the instance exclusively (other users of the
   * same PGlite, like the prepared-statement path, wait) until {@link end}.
   */
  async begin(): Promise<void> {
    let begun!: () => void;
    const started = new Promise<void>((resolve) => (begun = resolve));
    const outcome = new Promise<boolean>((resolve) => (this.#finish = resolve));
    this.#closed = this.pglite.transaction(async (tx) => {
      this.#tx = tx;
      begun();
      // Throwing makes PGlite roll back; `end(false)` expects exactly this rejection of `closed`.
      if (!(await outcome)) throw ROLLED_BACK;
    });
    // A failed BEGIN rejects `closed` before `started` resolves.
    await Promise.race([started, this.#closed]);
  }

  /** Commits (`commit` true) or rolls back the open transaction; a failed commit rejects. */
  async end(commit: boolean): Promise<void> {
    const closed = this.#closed;
    this.#finish?.(commit);
    try {
      if (commit) await closed;
      else
        await closed?.catch((err: unknown) => {
          if (err !== ROLLED_BACK) throw err;
        });
    } finally {
      this.#tx = null;
      this.#finish = null;
      this.#closed = null;
    }
  }
}

/** The driver: one connection, lent to one user at a time (a queue), as PGlite has one backend. */
class PgliteDriver implements Driver {
  #connection: PgliteConnection | null = null;
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | null = null;

  constructor(private readonly config: PgliteDialectConfig) {}

  async init(): Promise<void> {
    await this.config.pglite.waitReady;
    const connection = new PgliteConnection(this.config.pglite);
    await this.config.onCreateConnection?.(connection);
    this.#connection = connection;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    return this.#connection!;
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PgliteConnection).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PgliteConnection).end(true);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PgliteConnection).end(false);
  }

  async destroy(): Promise<void> {
    if (!this.config.pglite.closed) await this.config.pglite.close();
  }
}

/**
 * Kysely's dialect for embedded PGlite (kysely 0.29 ships one, but 0.29 requires Node ≥ 22; we support Node 20 with
 * kysely 0.28, which has none): PostgreSQL's compiler and introspector over PGlite's single connection.
 */
export class PgliteDialect implements Dialect {
  constructor(private readonly config: PgliteDialectConfig) {}

  createAdapter(): DialectAdapter {
    return new PgliteAdapter();
  }

  createDriver(): Driver {
    return new PgliteDriver(this.config);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

/** Whether `db` reaches a database with one connection only (PGlite), where concurrent transactions only queue. */
export function isSingleConnection(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PgliteAdapter;
}
