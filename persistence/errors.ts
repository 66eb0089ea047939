/** Base of every error the persistence layer raises; `cause` carries the driver error when there is one. */
export class PersistenceError extends Error {
  override readonly name: string = 'PersistenceError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A guarded `UPDATE … WHERE version = $expected` found another version (SSOT §2.2.8, docs/design/engine.md §3 step 2). */
export class OptimisticLockError extends PersistenceError {
  override readonly name = 'OptimisticLockError';
  constructor(
    readonly entityType: string,
    readonly id: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
    options?: { cause?: unknown },
  ) {
    super(`${entityType} ${id}: expected version ${expectedVersion}, found ${actualVersion} (moved by someone else)`, options);
  }
}

/** No row with this id in the entity's table. */
export class EntityNotFoundError extends PersistenceError {
  override readonly name = 'EntityNotFoundError';
  constructor(readonly entityType: string, readonly id: string, options?: { cause?: unknown }) {
    super(`${entityType} ${id} does not exist`, options);
  }
}

/** An entity with this id already exists. */
export class EntityExistsError extends PersistenceError {
  override readonly name = 'EntityExistsError';
  constructor(readonly entityType: string, readonly id: string, options?: { cause?: unknown }) {
    super(`${entityType} ${id} already exists`, options);
  }
}

/** The database cannot be reached or opened (server down, bad URL, unreadable PGlite data directory). */
export class DatabaseUnavailableError extends PersistenceError {
  override readonly name: string = 'DatabaseUnavailableError';
  constructor(readonly kind: 'postgres' | 'pglite', readonly target: string, options?: { cause?: unknown }) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`cannot open the ${kind} database at ${target}${why}`, options);
  }
}

/** The PGlite data directory is held by another live process (its lock file names it); it may serve it on a socket. */
export class StateDirInUseError extends DatabaseUnavailableError {
  override readonly name = 'StateDirInUseError';
  constructor(
    target: string,
    /** The holder's pid, or null when it is this very process. */
    readonly pid: number | null,
    readonly lockFile: string,
  ) {
    super('pglite', target, { cause: new Error(`the data directory is in use by ${pid === null ? 'this process' : `process ${pid}`} (lock file ${lockFile})`) });
  }
}

/**
 * A command that only reads state found no Gantry database where it looked (no PGlite data directory, or no Gantry
 * tables in the PostgreSQL schema); nothing was created.
 */
export class DatabaseNotFoundError extends PersistenceError {
  override readonly name = 'DatabaseNotFoundError';
  constructor(readonly kind: 'postgres' | 'pglite', readonly target: string, readonly detail: string) {
    super(`no Gantry database at ${target}: ${detail}`);
  }
}

/** A migration failed; nothing of it was applied (migrations run in one transaction). */
export class MigrationError extends PersistenceError {
  override readonly name = 'MigrationError';
  constructor(readonly migration: string | null, options?: { cause?: unknown }) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`migration ${migration ?? '(setup)'} failed${why}`, options);
  }
}

/** A rollback target that is not an applied migration (`gantry db rollback --to NAME`). */
export class UnknownMigrationError extends PersistenceError {
  override readonly name = 'UnknownMigrationError';
  constructor(readonly migration: string, readonly applied: readonly string[]) {
    super(`'${migration}' is not an applied migration (applied: ${applied.length ? applied.join(', ') : 'none'})`);
  }
}

/**
 * Which kind of table constraint a write broke: a CHECK, FK, UNIQUE or NOT NULL constraint, or one of the triggers of
 * the SSOT's immutability rules — `terminal` (a terminal row never changes, SSOT §8.2), `fixed_column` (`is_critical`,
 * an affinity), `append_only` (the audit log, its checkpoints, a ledger's `state_history`).
 */
export type ConstraintKind = 'check' | 'foreign_key' | 'unique' | 'not_null' | 'append_only' | 'terminal' | 'fixed_column';

/** A write broke a table constraint (CHECK, FK, UNIQUE, NOT NULL) or an immutability trigger (`kind` says which). */
export class ConstraintViolationError extends PersistenceError {
  override readonly name: string = 'ConstraintViolationError';
  constructor(
    readonly kind: ConstraintKind,
    readonly table: string | null,
    readonly constraint: string | null,
    readonly detail: string,
    options?: { cause?: unknown },
    /** The column, for NOT NULL violations. */
    readonly column: string | null = null,
  ) {
    super(`${kind} constraint ${constraint ?? (column ? `on column ${column}` : '(unnamed)')} on ${table ?? '(unknown table)'} violated: ${detail}`, options);
  }
}

/** An UPDATE of a row in a terminal state (SSOT §8.2: terminal states are final), refused by the table's `<table>_terminal_final` trigger. */
export class TerminalStateViolationError extends ConstraintViolationError {
  override readonly name = 'TerminalStateViolationError';
  constructor(table: string | null, trigger: string | null, detail: string, options?: { cause?: unknown }) {
    super('terminal', table, trigger, detail, options);
  }
}

/** An UPDATE that changed a fixed column (`is_critical`, SSOT §1.4.5 inv. 8; an affinity, §1.5.7, §2.1), refused by a trigger. */
export class FixedColumnViolationError extends ConstraintViolationError {
  override readonly name = 'FixedColumnViolationError';
  constructor(table: string | null, trigger: string | null, detail: string, column: string | null, options?: { cause?: unknown }) {
    super('fixed_column', table, trigger, detail, options, column);
  }
}

/** A column name that the entity's table does not have (or that the layer manages itself). */
export class UnknownColumnError extends PersistenceError {
  override readonly name = 'UnknownColumnError';
  constructor(readonly table: string, readonly column: string, readonly known: readonly string[]) {
    super(`table ${table} has no writable column '${column}' (writable: ${known.join(', ')})`);
  }
}

/** An entity type that has no table. */
export class UnknownEntityTableError extends PersistenceError {
  override readonly name = 'UnknownEntityTableError';
  constructor(readonly entityType: string) {
    super(`no table for entity type '${entityType}'`);
  }
}

/** A batch whose items of one entity are not consecutive versions, or whose hash chain does not link up. */
export class BatchOrderError extends PersistenceError {
  override readonly name = 'BatchOrderError';
  constructor(readonly entityType: string, readonly id: string, readonly problem: string) {
    super(`batch items of ${entityType} ${id}: ${problem}`);
  }
}

/** An operation that is only meaningful inside a transaction was called outside one. */
export class TransactionRequiredError extends PersistenceError {
  override readonly name = 'TransactionRequiredError';
  constructor(readonly operation: string) {
    super(`${operation} must run inside a transaction (db.transaction().execute(trx => …))`);
  }
}

/**
 * A claim whose transitions do not match the rows it locked (not one per row, in order, at the row's version), or
 * whose locked row was left unmoved: a bug, never a race (the rows are locked until the commit). Nothing of the claim
 * is written when it is raised before the commit.
 */
export class ClaimChangedError extends PersistenceError {
  override readonly name = 'ClaimChangedError';
  constructor(readonly id: string) {
    super(`claimed task ${id} does not match the transition decided for its locked row`);
  }
}
