import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineCatalog } from '../../machines/index.js';
import { ENTITY_TABLES, PERSISTED_ENTITY_TYPES, type Database } from '../../persistence/index.js';
import { insertOutcome, legalRow, legalStates } from '../support/legal-rows.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';
import type { Kysely } from 'kysely';

/** The string literals of a CHECK constraint's definition, read from pg_catalog. */
async function checkLiterals(db: Kysely<Database>, table: string, constraint: string): Promise<string[]> {
  const { rows } = await sql<{ def: string }>`
    SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    WHERE t.relname = ${table} AND c.conname = ${constraint} AND t.relnamespace = current_schema()::regnamespace`.execute(db);
  expect(rows).toHaveLength(1);
  return [...rows[0]!.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!);
}

describe.each(testDatabases())('state sets equal the machines (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(PERSISTED_ENTITY_TYPES.map((t) => [t]))('%s: CHECK state set = machineCatalog states', async (type) => {
    const { table } = ENTITY_TABLES[type];
    const literals = await checkLiterals(h.db, table, `${table}_state_valid`);
    expect([...literals].sort()).toEqual([...machineCatalog[type].states].sort());
  });

  it.each(PERSISTED_ENTITY_TYPES.map((t) => [t]))('%s: a legal row is accepted in every machine state', async (type) => {
    expect([...legalStates(type)].sort()).toEqual([...machineCatalog[type].states].sort());
    for (const state of machineCatalog[type].states) {
      expect(await insertOutcome(h.db, type, legalRow(type, state, `legal-${state}`))).toBe('ok');
    }
  });

  it.each(PERSISTED_ENTITY_TYPES.map((t) => [t]))('%s: an unknown state or a wrong case is rejected', async (type) => {
    const { table } = ENTITY_TABLES[type];
    const initial = machineCatalog[type].initial;
    const wrongCase = initial === initial.toUpperCase() ? initial.toLowerCase() : initial.toUpperCase();
    for (const state of ['bogus', wrongCase, '']) {
      const row = { ...legalRow(type, initial, `bad-${state || 'empty'}`), state };
      expect(await insertOutcome(h.db, type, row)).toBe(`${table}_state_valid`);
    }
  });
});
