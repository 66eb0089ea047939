import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { ENTITY_TABLES, encodeValue, mapDbError, ConstraintViolationError, type PersistedEntityType, type SqlColumnType } from '../../persistence/index.js';
import { insertOutcome, legalRow } from './legal-rows.js';
import type { TestDatabase } from './test-database.js';

/** One raw write: a legal row of `state` with `set` applied must be rejected by `constraint` (or accepted: `'ok'`). */
export interface ConstraintCase {
  readonly name: string;
  readonly state: string;
  readonly set: Readonly<Record<string, unknown>>;
  readonly constraint: string;
}

/** One raw UPDATE of a legal row of `from`: `set` applied to it must be rejected by `constraint` (or accepted). */
export interface UpdateCase {
  readonly name: string;
  readonly from: string;
  readonly set: Readonly<Record<string, unknown>>;
  readonly constraint: string;
}

let counter = 0;
function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Declares one test per INSERT case: the row is rejected by exactly the named constraint, or accepted. */
export function insertCases(db: () => TestDatabase, entityType: PersistedEntityType, cases: readonly ConstraintCase[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('INSERT %s', async (_name, c) => {
    const row = { ...legalRow(entityType, c.state, nextId(entityType)), ...c.set };
    expect(await insertOutcome(db().db, entityType, row)).toBe(c.constraint);
  });
}

/** Declares one test per UPDATE case on a freshly inserted legal row. */
export function updateCases(db: () => TestDatabase, entityType: PersistedEntityType, cases: readonly UpdateCase[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('UPDATE %s', async (_name, c) => {
    const id = nextId(`${entityType}-u`);
    expect(await insertOutcome(db().db, entityType, legalRow(entityType, c.from, id))).toBe('ok');
    const info = ENTITY_TABLES[entityType];
    const types: Record<string, SqlColumnType> = { state: 'text', updated_at: 'timestamptz', ...info.columns };
    const sets = Object.entries(c.set).map(([k, v]) => sql`${sql.id(k)} = ${encodeValue(types[k] ?? 'text', v)}::${sql.raw(types[k] ?? 'text')}`);
    let outcome = 'ok';
    try {
      await sql`UPDATE ${sql.table(info.table)} SET ${sql.join(sets)} WHERE id = ${id}`.execute(db().db);
    } catch (error) {
      const mapped = mapDbError(error);
      if (!(mapped instanceof ConstraintViolationError)) throw error;
      outcome = mapped.constraint ?? `${mapped.kind}(${mapped.column ?? '?'})`;
    }
    expect(outcome).toBe(c.constraint);
  });
}
