import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityStates } from '../../machines/index.js';
import { FAILURE_STATES_0008 } from '../../migrations/index.js';
import { transitionCountsQuery } from '../../persistence/index.js';
import { insertOutcome, legalRow } from '../support/legal-rows.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// Migration 0008 (issue 14): the same guarantees in cheaper forms — row triggers that call no function unless a
// fixed or append-only column changes, and a partial index the failure report can use.

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

describe('migration 0008: the failure states it indexes', () => {
  it('are the machines\' failure states (else add a migration that rebuilds state_transitions_failures_idx)', () => {
    expect(sorted(FAILURE_STATES_0008)).toEqual(sorted(entityStates.failureNames));
  });
});

describe.each(testDatabases())('migration 0008: a lean write path (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it('an ordinary task update calls no trigger function; changing is_critical still does, and is refused', async () => {
    expect(await insertOutcome(h.db, 'task', legalRow('task', 'pending', 'lean-1'))).toBe('ok');
    const calls = await h.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL track_functions = 'pl'`.execute(trx);
      await sql`UPDATE tasks SET retry_count = 0, updated_at = updated_at WHERE id = 'lean-1'`.execute(trx);
      const { rows } = await sql<{ fixed: number | null; growing: number | null }>`
        SELECT pg_stat_get_xact_function_calls('gantry_fixed_columns'::regproc) AS fixed,
               pg_stat_get_xact_function_calls('gantry_growing_arrays'::regproc) AS growing`.execute(trx);
      return rows[0]!;
    });
    expect(Number(calls.fixed ?? 0)).toBe(0);
    expect(Number(calls.growing ?? 0)).toBe(0);
    await expect(sql`UPDATE tasks SET is_critical = NOT is_critical WHERE id = 'lean-1'`.execute(h.db)).rejects.toThrow(/is_critical/);
  });

  it('the failure report can read the partial index of failure transitions', async () => {
    const plan = await h.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const query = transitionCountsQuery(new Date(Date.now() - 86_400_000), entityStates.failureNames, 50);
      const { rows } = await sql<Record<string, string>>`EXPLAIN ${query}`.execute(trx);
      return rows.map((r) => Object.values(r)[0]).join('\n');
    });
    expect(plan).toContain('state_transitions_failures_idx');
  });
});
