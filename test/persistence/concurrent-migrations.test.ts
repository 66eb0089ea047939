import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { createDatabase, MIGRATION_TABLE, migrateToLatest, type DatabaseHandle, type MigrateResult } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, uniqueSchemaName, type TestDatabase } from '../support/test-database.js';

const run = promisify(execFile);
const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'migrate-child.ts');

async function migrationRows(h: DatabaseHandle): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM ${sql.table(MIGRATION_TABLE)} ORDER BY name`.execute(h.db);
  return rows.map((r) => r.name);
}

function appliedOnce(results: readonly MigrateResult[]): void {
  expect(results.flatMap((r) => r.applied)).toEqual(Object.keys(migrations));
  expect(results.filter((r) => r.applied.length === 0)).toHaveLength(results.length - 1);
}

describe.each(testDatabases())('concurrent migrators (%s)', (kind) => {
  let h: TestDatabase;
  const extra: DatabaseHandle[] = [];
  beforeAll(async () => {
    h = await openTestDatabase(kind, { migrate: false });
  });
  afterAll(async () => {
    for (const e of extra) await e.close();
    await h.close();
  });

  it('four migrators started at once on a fresh database: one applies 0001_init, the others find nothing to do', async () => {
    // PostgreSQL: four separate connection pools on the same schema; PGlite: one instance, four callers.
    for (let i = 0; i < 3; i++) extra.push(h.url ? await createDatabase({ url: h.url, schema: h.schema!, max: 2 }) : h);
    const results = await Promise.all([h, ...extra].map((x) => migrateToLatest(x.db)));
    appliedOnce(results);
    expect(await migrationRows(h)).toEqual(Object.keys(migrations));
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'state_transitions'`.execute(h.db);
    expect(rows[0]!.n).toBe(1);
  });
});

if (process.env['DATABASE_URL']) {
  describe('concurrent migrators in separate OS processes (postgres)', () => {
    const schema = uniqueSchemaName();
    let h: DatabaseHandle;
    beforeAll(async () => {
      h = await createDatabase({ url: process.env['DATABASE_URL']!, schema });
    });
    afterAll(async () => {
      await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(h.db);
      await h.close();
    });

    it('four processes migrating one fresh schema at once: applied exactly once, schema intact', async () => {
      const children = Array.from({ length: 4 }, () => run(process.execPath, ['--import', 'tsx', CHILD, schema], { env: process.env }));
      const results = (await Promise.all(children)).map((c) => JSON.parse(c.stdout.trim().split('\n').pop()!) as MigrateResult);
      appliedOnce(results);
      expect(await migrationRows(h)).toEqual(Object.keys(migrations));
      expect(await migrateToLatest(h.db)).toEqual({ applied: [] });
    });
  });
}
