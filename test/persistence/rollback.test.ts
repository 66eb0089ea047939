import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { migrations } from '../../migrations/index.js';
import { migrateToLatest, migrationStatus, rollbackMigrations, UnknownMigrationError, type DatabaseHandle } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// Issue 16: every schema migration's down() undoes its up(). Migrated up fully, rolled back one migration at a time
// to nothing (each down() on its own), migrated up again to the very same schema; rolled back to nothing at once;
// and a down() then up() of the last migration keeps the data of the tables that existed before it.

const NAMES = Object.keys(migrations);

/** Everything of the current schema a migration may create: tables and columns, constraints, indexes, triggers, functions. */
async function schemaShape(h: DatabaseHandle): Promise<Record<string, string[]>> {
  // The migrator's own tables (gantry_migration, gantry_migration_lock) are not a migration's.
  const q = async (query: ReturnType<typeof sql<{ x: string }>>) =>
    (await query.execute(h.db)).rows.map((r) => r.x).filter((x) => !x.includes('gantry_migration')).sort();
  return {
    columns: await q(sql<{ x: string }>`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS x
      FROM information_schema.columns WHERE table_schema = current_schema()`),
    constraints: await q(sql<{ x: string }>`SELECT c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) AS x
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema()`),
    indexes: await q(sql<{ x: string }>`SELECT indexdef AS x FROM pg_indexes WHERE schemaname = current_schema()`),
    triggers: await q(sql<{ x: string }>`SELECT t.tgrelid::regclass::text || ' ' || t.tgname AS x FROM pg_trigger t
      JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace WHERE n.nspname = current_schema() AND NOT t.tgisinternal`),
    functions: await q(sql<{ x: string }>`SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS x
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()`),
  };
}

async function applied(h: DatabaseHandle): Promise<string[]> {
  return (await migrationStatus(h.db)).filter((m) => m.executedAt !== null).map((m) => m.name);
}

describe.each(testDatabases())('schema migration rollback (%s)', (kind) => {
  let h: TestDatabase;
  let empty: Record<string, string[]>;
  let full: Record<string, string[]>;
  beforeAll(async () => {
    h = await openTestDatabase(kind, { migrate: false });
    empty = await schemaShape(h);
    await migrateToLatest(h.db);
    full = await schemaShape(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('undoes every migration one at a time, newest first, back to an empty schema, then migrates up to the same schema', async () => {
    expect(full.columns.length).toBeGreaterThan(empty.columns.length);
    for (let i = NAMES.length - 1; i >= 0; i--) {
      expect(await rollbackMigrations(h.db)).toEqual({ undone: [NAMES[i]] });
      expect(await applied(h)).toEqual(NAMES.slice(0, i));
    }
    expect(await schemaShape(h)).toEqual(empty);
    expect(await rollbackMigrations(h.db)).toEqual({ undone: [] });
    expect(await migrateToLatest(h.db)).toEqual({ applied: NAMES });
    expect(await schemaShape(h)).toEqual(full);
  });

  it('undoes every migration at once (to: null), then migrates up to the same schema', async () => {
    expect(await rollbackMigrations(h.db, { to: null })).toEqual({ undone: [...NAMES].reverse() });
    expect(await schemaShape(h)).toEqual(empty);
    expect(await migrateToLatest(h.db)).toEqual({ applied: NAMES });
    expect(await schemaShape(h)).toEqual(full);
  });

  it('undoes the migrations after NAME, keeping NAME; refuses an unknown NAME listing the applied ones', async () => {
    const keep = NAMES[NAMES.length - 3]!;
    expect(await rollbackMigrations(h.db, { to: keep })).toEqual({ undone: NAMES.slice(-2).reverse() });
    expect(await applied(h)).toEqual(NAMES.slice(0, -2));
    const error = await rollbackMigrations(h.db, { to: '0099_nope' }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownMigrationError);
    expect((error as UnknownMigrationError).applied).toEqual(NAMES.slice(0, -2));
    expect((error as Error).message).toContain(`'0099_nope' is not an applied migration (applied: ${NAMES.slice(0, -2).join(', ')})`);
    expect(await applied(h)).toEqual(NAMES.slice(0, -2));
    await migrateToLatest(h.db);
    expect(await schemaShape(h)).toEqual(full);
  });

  it("a down() then up() of the last migration keeps the data of the tables that existed before it", async () => {
    const actors = new PersistedActors({ db: h.db, clock: () => Date.UTC(2026, 11, 4, 12) });
    await actors.create('run', 'run-kept');
    await actors.send('run', 'run-kept', { type: 'start' });
    await actors.create('test_gate', 'gate-kept', { gate_type: 'UNIT' });
    await actors.close();
    const before = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM state_transitions`.execute(h.db)).rows[0]!.n;
    expect(await rollbackMigrations(h.db)).toEqual({ undone: [NAMES[NAMES.length - 1]] });
    expect(await migrateToLatest(h.db)).toEqual({ applied: [NAMES[NAMES.length - 1]] });
    const again = new PersistedActors({ db: h.db, clock: () => Date.UTC(2026, 11, 4, 13) });
    expect((await again.load('run', 'run-kept')).state).toBe('running');
    expect((await again.load('test_gate', 'gate-kept')).state).toBe('PENDING');
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM state_transitions`.execute(h.db)).rows[0]!.n).toBe(before);
    await again.close();
  });
});
