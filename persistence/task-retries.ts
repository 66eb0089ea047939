import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * The retry links among a run's tasks (SSOT §8.2.3: a reset of a terminal task creates a new task with `retry_of`):
 * each retried task id → the id of its newest retry. Empty when no task of the run was reset.
 */
export async function taskRetryLinks(db: Kysely<Database>, runId: string): Promise<Map<string, string>> {
  const { rows } = await sql<{ id: string; retry_of: string }>`
    SELECT id, retry_of FROM tasks WHERE run_id = ${runId} AND retry_of IS NOT NULL ORDER BY created_at, id`.execute(db);
  return new Map(rows.map((r) => [r.retry_of, r.id]));
}
