import { ConstraintViolationError, FixedColumnViolationError, PersistenceError, TerminalStateViolationError, type ConstraintKind } from './errors.js';

const KIND_BY_CODE: Readonly<Record<string, ConstraintKind>> = {
  '23514': 'check',
  '23503': 'foreign_key',
  '23505': 'unique',
  '23502': 'not_null',
};

interface DriverError {
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
  message?: string;
  detail?: string;
}

/** The SQLSTATE of a driver error (node-postgres and PGlite both expose `code`), or null. */
export function sqlState(error: unknown): string | null {
  const code = (error as DriverError | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** SQLSTATEs the immutability triggers of migration 0006 raise. */
const TERMINAL_FINAL = 'GA801';
const FIXED_COLUMN = 'GA802';
const GROWING_ARRAY = 'GA803';

/**
 * Turns a driver error into a named persistence error where one fits (constraints; the append-only, terminal and
 * fixed-column triggers: `constraint` then names the trigger); else returns it as is.
 */
export function mapDbError(error: unknown): unknown {
  if (error instanceof PersistenceError || typeof error !== 'object' || error === null) return error;
  const e = error as DriverError;
  const code = sqlState(error);
  if (code !== null && code in KIND_BY_CODE) {
    return new ConstraintViolationError(KIND_BY_CODE[code]!, e.table ?? null, e.constraint ?? null, e.detail ?? e.message ?? code, { cause: error }, e.column ?? null);
  }
  const detail = e.message ?? code ?? 'rejected';
  if (code === TERMINAL_FINAL) return new TerminalStateViolationError(e.table ?? null, e.constraint ?? null, detail, { cause: error });
  if (code === FIXED_COLUMN) return new FixedColumnViolationError(e.table ?? null, e.constraint ?? null, detail, e.column ?? null, { cause: error });
  if (code === GROWING_ARRAY) return new ConstraintViolationError('append_only', e.table ?? null, e.constraint ?? null, detail, { cause: error }, e.column ?? null);
  if (code === 'P0001' && typeof e.message === 'string' && e.message.includes('append-only')) {
    // The message starts with the table (state_transitions, audit_checkpoints).
    const table = /^(\w+) is append-only/.exec(e.message)?.[1] ?? 'state_transitions';
    return new ConstraintViolationError('append_only', table, null, e.message, { cause: error });
  }
  return error;
}
