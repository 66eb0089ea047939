import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { commitTransitions, insertEntities } from '../../persistence/index.js';
import { newEntity, transition } from '../support/audit-fixtures.js';
import { oneConnectionSuite, testDatabases } from '../support/test-database.js';

// The hot statements (persistence/write-round.ts and insert-entity.ts, marked PREPARED_MARK) run as named prepared statements, parsed
// once per connection (persistence/prepared-statements.ts on pg, prepared-pglite.ts on PGlite); other statements
// are not. One connection, so the session that ran them is the one asked.
describe.each(testDatabases())('prepared hot statements (%s)', (kind) => {
  const one = oneConnectionSuite(kind);

  const prepared = async (marker: string) =>
    (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(one.db)).rows.filter(
      (r) => r.statement.startsWith('/* prepared */') && r.statement.includes(marker),
    );

  it('a transition batch runs as a named prepared statement, reused by the next batch of the same shape', async () => {
    await insertEntities(one.db, [newEntity('task', 'ps-1', 'pending'), newEntity('task', 'ps-2', 'pending')]);
    expect(await commitTransitions(one.db, [transition('task', 'ps-1', 1, 'pending', 'queued')])).toEqual([{ ok: true, version: 2 }]);
    const hot = await prepared('UPDATE "tasks"');
    expect(hot.length).toBe(1);
    expect(hot[0]!.statement).toContain('INSERT INTO state_transitions');
    expect(await commitTransitions(one.db, [transition('task', 'ps-2', 1, 'pending', 'queued')])).toEqual([{ ok: true, version: 2 }]);
    expect((await prepared('UPDATE "tasks"')).map((r) => r.name)).toEqual(hot.map((r) => r.name));
  });

  it('a creation runs as a named prepared statement per table and column set, reused by the next creation', async () => {
    await insertEntities(one.db, [newEntity('task', 'pc-1', 'pending')]);
    const hot = await prepared('INSERT INTO "tasks"');
    expect(hot.length).toBe(1);
    expect(hot[0]!.statement).toContain('INSERT INTO state_transitions');
    await insertEntities(one.db, [newEntity('task', 'pc-2', 'pending'), newEntity('task', 'pc-3', 'pending')]);
    expect((await prepared('INSERT INTO "tasks"')).map((r) => r.name)).toEqual(hot.map((r) => r.name));
  });
});
