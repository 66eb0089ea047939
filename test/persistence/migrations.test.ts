import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import {
  createDatabase, ENTITY_TABLES, MANAGED_COLUMNS, MIGRATION_TABLE, MigrationError, migrateToLatest, migrationStatus,
  type DatabaseHandle,
} from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

const TABLES = [
  'circuit_breakers', 'patch_ledger_entries', 'patches', 'phases', 'runs', 'state_transitions', 'tasks', 'test_gates',
  'uet_workers', 'workers', 'workstreams',
];

async function tables(h: DatabaseHandle): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`.execute(h.db);
  return rows.map((r) => r.name);
}

describe.each(testDatabases())('migrations (%s)', (kind) => {
  let h: TestDatabase;
  let other: DatabaseHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind, { migrate: false });
    // A second connection pool on the same schema (PostgreSQL); PGlite has one connection.
    other = h.url ? await createDatabase({ url: h.url, schema: h.schema! }) : h;
  });
  afterAll(async () => {
    if (other !== h) await other.close();
    await h.close();
  });

  it('reports every migration of the registry pending on an empty database', async () => {
    const names = Object.keys(migrations);
    expect(names[0]).toBe('0001_init');
    expect(names).toEqual([...names].sort());
    expect(await migrationStatus(h.db)).toEqual(names.map((name) => ({ name, executedAt: null })));
  });

  it('a failing migration raises MigrationError naming it, applies nothing, and leaves no lock behind', async () => {
    await sql`CREATE TABLE workers (x integer)`.execute(h.db);
    const error = await migrateToLatest(h.db).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migration).toBe('0001_init');
    expect((error as MigrationError).cause).toMatchObject({ code: '42P07' });
    expect(await tables(h)).not.toContain('runs');
    await sql`DROP TABLE workers`.execute(h.db);
    expect((await migrationStatus(other.db))[0]!.executedAt).toBeNull();
  });

  it('applies 0001_init and creates every table of docs/design/engine.md §3', async () => {
    expect(await migrateToLatest(other.db)).toEqual({ applied: Object.keys(migrations) });
    const names = await tables(h);
    for (const t of TABLES) expect(names).toContain(t);
    expect(names).toContain(MIGRATION_TABLE);
  });

  it('is a no-op the second time, and status shows when it ran', async () => {
    expect(await migrateToLatest(h.db)).toEqual({ applied: [] });
    const status = await migrationStatus(h.db);
    expect(status.map((m) => m.name)).toEqual(Object.keys(migrations).sort());
    expect(status[0]!.name).toBe('0001_init');
    expect(status[0]!.executedAt).toBeInstanceOf(Date);
  });

  it('every entity table has exactly the managed columns plus ENTITY_TABLES columns, with those types', async () => {
    for (const info of Object.values(ENTITY_TABLES)) {
      const { rows } = await sql<{ name: string; type: string; nullable: string }>`
        SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ${info.table}`.execute(h.db);
      const actual = Object.fromEntries(rows.map((r) => [r.name, r.type.replace('timestamp with time zone', 'timestamptz')]));
      const expected: Record<string, string> = {
        id: 'text', state: 'text', snapshot: 'jsonb', version: 'integer', machine_version: 'text', last_hash: 'text',
        created_at: 'timestamptz', updated_at: 'timestamptz', ...info.columns,
      };
      expect(actual, info.table).toEqual(expected);
      expect(Object.keys(expected).filter((c) => !(MANAGED_COLUMNS as readonly string[]).includes(c)).sort()).toEqual(Object.keys(info.columns).sort());
      const notNull = rows.filter((r) => r.nullable === 'NO').map((r) => r.name);
      for (const c of ['id', 'state', 'snapshot', 'version', 'machine_version', 'created_at', 'updated_at']) expect(notNull, `${info.table}.${c}`).toContain(c);
    }
  });
});
