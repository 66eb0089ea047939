import { sql, type Kysely } from 'kysely';
import type { TransitionAudit } from './audit-record.js';
import type { EntityTableInfo } from './entity-tables.js';
import { chunk, toIso } from './sql-values.js';
import { unnestRows, type UnnestColumn } from './unnest-rows.js';

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

const FIXED: readonly UnnestColumn[] = [
  ['id', 'text'], ['expected_version', 'integer'], ['state', 'text'], ['snapshot', 'jsonb'], ['machine_version', 'text'],
  ['last_hash', 'text'], ['updated_at', 'timestamptz'],
];

/** Rows per statement: large enough to amortise the round trip, small enough to bound one statement's memory. */
const ROWS_PER_STATEMENT = 5000;

/**
 * Applies guarded updates to rows of one table that all set the same `columns`, as
 * `UPDATE … FROM unnest(…) v WHERE t.id = v.id AND t.version = v.expected_version` — one
 * parameter per column — in id order so concurrent batches lock rows in the same order. Returns
 * the ids updated; each now has version `expectedVersion + 1`.
 */
export async function updateBatch(trx: Kysely<any>, info: EntityTableInfo, columns: readonly string[], updates: readonly RowUpdate[]): Promise<Set<string>> {
  const done = new Set<string>();
  const sorted = [...updates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const shape: UnnestColumn[] = [...FIXED, ...columns.map((c) => [c, info.columns[c]!] as const)];
  const sets = [
    sql`state = v.state`,
    sql`snapshot = v.snapshot`,
    sql`version = t.version + 1`,
    sql`machine_version = v.machine_version`,
    sql`last_hash = v.last_hash`,
    sql`updated_at = v.updated_at`,
    ...columns.map((c) => sql`${sql.id(c)} = v.${sql.id(c)}`),
  ];
  for (const part of chunk(sorted, ROWS_PER_STATEMENT)) {
    const rows = part.map((u) => ({
      ...u.columns,
      id: u.id,
      expected_version: u.expectedVersion,
      state: u.state,
      snapshot: u.snapshot,
      machine_version: u.machineVersion,
      last_hash: u.audit.hash,
      updated_at: toIso(u.audit.transitionedAt),
    }));
    const result = await sql<{ id: string }>`
      UPDATE ${sql.table(info.table)} AS t SET ${sql.join(sets)}
      FROM ${unnestRows(shape, rows)}
      WHERE t.id = v.id AND t.version = v.expected_version
      RETURNING t.id`.execute(trx);
    for (const r of result.rows) done.add(String(r.id));
  }
  return done;
}
