import { sql, type Kysely } from 'kysely';
import type { TransitionAudit } from './audit-record.js';
import type { EntityTableInfo } from './entity-tables.js';
import { chunk, rowsPerStatement, toIso, typedParam } from './sql-values.js';

/** One guarded row update: the row must still be at `expectedVersion`. */
export interface RowUpdate {
  readonly id: string;
  readonly expectedVersion: number;
  readonly state: string;
  readonly snapshot: Readonly<Record<string, unknown>>;
  readonly machineVersion: string;
  readonly columns: Readonly<Record<string, unknown>>;
  readonly audit: TransitionAudit;
}

const FIXED = ['id', 'expected_version', 'state', 'snapshot', 'machine_version', 'last_hash', 'updated_at'];

function valuesRow(info: EntityTableInfo, columns: readonly string[], u: RowUpdate) {
  const params = [
    typedParam('text', u.id),
    typedParam('integer', u.expectedVersion),
    typedParam('text', u.state),
    typedParam('jsonb', u.snapshot),
    typedParam('text', u.machineVersion),
    typedParam('text', u.audit.hash),
    typedParam('timestamptz', toIso(u.audit.transitionedAt)),
    ...columns.map((c) => typedParam(info.columns[c]!, u.columns[c])),
  ];
  return sql`(${sql.join(params)})`;
}

/**
 * Applies guarded updates to rows of one table that all set the same `columns`, as
 * `UPDATE … FROM (VALUES …) WHERE id = v.id AND version = v.expected_version` (one statement per
 * ≈60k parameters), in id order so concurrent batches lock rows in the same order. Returns the ids
 * updated; each now has version `expectedVersion + 1`.
 */
export async function updateBatch(trx: Kysely<any>, info: EntityTableInfo, columns: readonly string[], updates: readonly RowUpdate[]): Promise<Set<string>> {
  const done = new Set<string>();
  const sorted = [...updates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const alias = sql.join([...FIXED, ...columns].map((c) => sql.id(c)));
  const sets = [
    sql`state = v.state`,
    sql`snapshot = v.snapshot`,
    sql`version = t.version + 1`,
    sql`machine_version = v.machine_version`,
    sql`last_hash = v.last_hash`,
    sql`updated_at = v.updated_at`,
    ...columns.map((c) => sql`${sql.id(c)} = v.${sql.id(c)}`),
  ];
  for (const part of chunk(sorted, rowsPerStatement(FIXED.length + columns.length))) {
    const rows = sql.join(part.map((u) => valuesRow(info, columns, u)));
    const result = await sql<{ id: string }>`
      UPDATE ${sql.table(info.table)} AS t SET ${sql.join(sets)}
      FROM (VALUES ${rows}) AS v (${alias})
      WHERE t.id = v.id AND t.version = v.expected_version
      RETURNING t.id`.execute(trx);
    for (const r of result.rows) done.add(String(r.id));
  }
  return done;
}
