import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { SqlColumnType } from './entity-tables.js';
import { encodeValue } from './sql-values.js';

/** A column of an `unnest` row source: its name and SQL type. */
export type UnnestColumn = readonly [name: string, type: SqlColumnType];

/**
 * `unnest($1::type[], $2::type[], …) AS alias (c1, c2, …)`: many rows as ONE parameter per column
 * (constant parse and plan cost whatever the batch size, no 65535-parameter limit), values
 * encoded per type (jsonb as JSON text, times as ISO text, undefined as NULL).
 */
export function unnestRows(columns: readonly UnnestColumn[], rows: readonly Readonly<Record<string, unknown>>[], alias = 'v'): RawBuilder<unknown> {
  const arrays = columns.map(([name, type]) => {
    const values = rows.map((r) => encodeValue(type, r[name]));
    return sql`${values}::${sql.raw(type)}[]`;
  });
  const names = sql.join(columns.map(([name]) => sql.id(name)));
  return sql`unnest(${sql.join(arrays)}) AS ${sql.id(alias)} (${names})`;
}

/** Columns of an audit row as written by {@link insertAuditRows}. */
const AUDIT_COLUMNS: readonly UnnestColumn[] = [
  ['event_id', 'text'], ['entity_type', 'text'], ['entity_id', 'text'], ['seq', 'integer'], ['from_state', 'text'],
  ['to_state', 'text'], ['trigger', 'text'], ['reason', 'text'], ['metadata', 'jsonb'], ['operator', 'text'],
  ['run_id', 'text'], ['workstream_id', 'text'], ['phase_id', 'text'], ['severity', 'text'],
  ['transitioned_at', 'timestamptz'], ['prev_hash', 'text'], ['hash', 'text'],
];

/**
 * `INSERT INTO state_transitions … SELECT … FROM unnest(…)` of audit rows (as built by `auditRow`, metadata as an
 * object), in order, with an optional condition (`WHERE …`) on the source rows; to run alone or inside a CTE.
 */
export function auditInsertSql(rows: readonly Readonly<Record<string, unknown>>[], where?: RawBuilder<unknown>): RawBuilder<unknown> {
  const names = sql.join(AUDIT_COLUMNS.map(([name]) => sql.id(name)));
  return sql`INSERT INTO state_transitions (${names}) SELECT ${names} FROM ${unnestRows(AUDIT_COLUMNS, rows)} ${where ?? sql``}`;
}

/** Inserts audit rows (as built by `auditRow`, metadata as an object) with one multi-row INSERT … SELECT FROM unnest, in order. */
export async function insertAuditRows(trx: Kysely<any>, rows: readonly Readonly<Record<string, unknown>>[]): Promise<void> {
  if (rows.length === 0) return;
  await auditInsertSql(rows).execute(trx);
}
