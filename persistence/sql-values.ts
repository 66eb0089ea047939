import { MANAGED_COLUMNS, type EntityTableInfo, type SqlColumnType } from './entity-tables.js';
import { PersistenceError, UnknownColumnError } from './errors.js';

/** A point in time as callers give it: epoch milliseconds (machine context times) or a Date. */
export type TimeInput = Date | number;

/** ISO-8601 text of a time input; rejects invalid dates. */
export function toIso(value: TimeInput | string): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw new PersistenceError(`invalid time value: ${String(value)}`);
  return d.toISOString();
}

/** Encodes one column value for its SQL type: jsonb as JSON text, timestamps as ISO text, undefined as NULL. */
export function encodeValue(type: SqlColumnType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (type === 'jsonb') return JSON.stringify(value);
  if (type === 'timestamptz') return toIso(value as TimeInput | string);
  return value;
}

const MANAGED = new Set<string>(MANAGED_COLUMNS);

/** Validates the column names of a write against the table; returns them sorted (the batch signature). */
export function checkColumns(info: EntityTableInfo, columns: Readonly<Record<string, unknown>> | undefined): string[] {
  const names = Object.keys(columns ?? {}).filter((c) => (columns as Record<string, unknown>)[c] !== undefined);
  for (const c of names) {
    if (MANAGED.has(c) || !Object.hasOwn(info.columns, c)) throw new UnknownColumnError(info.table, c, Object.keys(info.columns));
  }
  return names.sort();
}

/** Encoded column values keyed by name, ready for a Kysely insert. */
export function encodeColumns(info: EntityTableInfo, columns: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of checkColumns(info, columns)) out[c] = encodeValue(info.columns[c]!, columns![c]);
  return out;
}

/** Largest number of rows of `paramsPerRow` parameters that one statement may carry (PostgreSQL allows 65535). */
export function rowsPerStatement(paramsPerRow: number): number {
  return Math.max(1, Math.floor(60_000 / Math.max(1, paramsPerRow)));
}

/** Splits a list into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
