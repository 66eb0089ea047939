import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** The tables {@link activeEntityRows} reads: the entities whose time in a state is watched (SSOT §5.1). */
export type WatchedTable = 'workstreams' | 'tasks' | 'workers' | 'uet_workers';

/** One entity row with the times a stuck check measures from. */
export interface ActiveEntityRow {
  readonly id: string;
  readonly state: string;
  readonly runId: string | null;
  readonly updatedAt: Date;
  /** `started_at` (workstreams, tasks); null elsewhere or when not started. */
  readonly startedAt: Date | null;
  /** `last_heartbeat` (workers, UET workers); null elsewhere or before the first beat. */
  readonly lastHeartbeat: Date | null;
  /** `timeout_sec` (tasks); null elsewhere. */
  readonly timeoutSec: number | null;
}

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

/** The rows of `table` whose state is one of `states`, by id, with their times (what `ops/find-stuck.ts` judges). */
export async function activeEntityRows(db: Kysely<Database>, table: WatchedTable, states: readonly string[]): Promise<ActiveEntityRow[]> {
  if (states.length === 0) return [];
  const started = table === 'workstreams' || table === 'tasks' ? sql`started_at` : sql`NULL`;
  const beat = table === 'workers' || table === 'uet_workers' ? sql`last_heartbeat` : sql`NULL`;
  const timeout = table === 'tasks' ? sql`timeout_sec` : sql`NULL`;
  const { rows } = await sql<Record<string, unknown>>`
    SELECT id, state, run_id, updated_at, ${started} AS started_at, ${beat} AS last_heartbeat, ${timeout} AS timeout_sec
    FROM ${sql.table(table)} WHERE state IN (${sql.join([...states])}) ORDER BY id`.execute(db);
  return rows.map((r) => ({
    id: String(r['id']),
    state: String(r['state']),
    runId: (r['run_id'] as string | null) ?? null,
    updatedAt: date(r['updated_at'])!,
    startedAt: date(r['started_at']),
    lastHeartbeat: date(r['last_heartbeat']),
    timeoutSec: r['timeout_sec'] === null || r['timeout_sec'] === undefined ? null : Number(r['timeout_sec']),
  }));
}
