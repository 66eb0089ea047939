import { sql, type Kysely } from 'kysely';
import type { Database } from '../persistence/index.js';

/** Stuck thresholds (SSOT §5.1), in milliseconds. */
export interface StuckThresholds {
  /** A workstream `executing` longer than this is stuck; default 1 h. */
  readonly workstreamMs: number;
  /** A task `running` longer than this (or its own `timeout_sec`, whichever is shorter) is stuck; default 30 min. */
  readonly taskMs: number;
  /** A worker `idle`/`busy` without a heartbeat for this long is stuck; default 2 min. */
  readonly heartbeatMs: number;
}

/** The defaults of SSOT §5.1. */
export const DEFAULT_STUCK_THRESHOLDS: StuckThresholds = { workstreamMs: 3_600_000, taskMs: 1_800_000, heartbeatMs: 120_000 };

/** The classes of stuck entities `findStuck` reports, by entity type (one runbook each: docs/runbooks/stuck.md). */
export const STUCK_ENTITY_TYPES = ['workstream', 'task', 'worker', 'uet_worker'] as const;

/** One active entity watched for being stuck, with how long it has been so against what is expected. */
export interface WatchedEntity {
  readonly entityType: (typeof STUCK_ENTITY_TYPES)[number];
  readonly id: string;
  readonly state: string;
  readonly runId: string | null;
  /** Since when the clock runs: started_at (or updated_at), or the last heartbeat. */
  readonly since: Date;
  readonly ageMs: number;
  readonly expectedMs: number;
  /** ageMs / expectedMs: above 1 is stuck, above 2 is the critical alert's "twice its expected duration". */
  readonly ratio: number;
  readonly stuck: boolean;
}

const ms = (v: unknown): number | null => (v === null || v === undefined ? null : new Date(v as string).getTime());

/** Every executing workstream, running task and idle/busy worker with its age against its threshold (SSOT §5.1). */
export async function watchActive(db: Kysely<Database>, t: StuckThresholds = DEFAULT_STUCK_THRESHOLDS, now = Date.now()): Promise<WatchedEntity[]> {
  const out: WatchedEntity[] = [];
  const add = (entityType: WatchedEntity['entityType'], r: Record<string, unknown>, since: number, expectedMs: number) => {
    const ageMs = Math.max(0, now - since);
    out.push({ entityType, id: String(r['id']), state: String(r['state']), runId: (r['run_id'] as string | null) ?? null, since: new Date(since), ageMs, expectedMs, ratio: ageMs / expectedMs, stuck: ageMs > expectedMs });
  };
  const ws = await sql<Record<string, unknown>>`
    SELECT id, state, run_id, started_at, updated_at FROM workstreams WHERE state = 'executing' ORDER BY id`.execute(db);
  for (const r of ws.rows) add('workstream', r, ms(r['started_at']) ?? ms(r['updated_at'])!, t.workstreamMs);
  const tasks = await sql<Record<string, unknown>>`
    SELECT id, state, run_id, started_at, updated_at, timeout_sec FROM tasks WHERE state = 'running' ORDER BY id`.execute(db);
  for (const r of tasks.rows) add('task', r, ms(r['started_at']) ?? ms(r['updated_at'])!, Math.min(t.taskMs, Number(r['timeout_sec']) * 1000));
  for (const [type, table, states] of [
    ['worker', 'workers', ['idle', 'busy']],
    ['uet_worker', 'uet_workers', ['IDLE', 'BUSY']],
  ] as const) {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT id, state, run_id, last_heartbeat, updated_at FROM ${sql.table(table)}
      WHERE state IN (${sql.join([...states])}) ORDER BY id`.execute(db);
    for (const r of rows) add(type, r, ms(r['last_heartbeat']) ?? ms(r['updated_at'])!, t.heartbeatMs);
  }
  return out;
}

/** The stuck entities only (SSOT §5.1), oldest relative to their threshold first. */
export async function findStuck(db: Kysely<Database>, t: StuckThresholds = DEFAULT_STUCK_THRESHOLDS, now = Date.now()): Promise<WatchedEntity[]> {
  return (await watchActive(db, t, now)).filter((w) => w.stuck).sort((a, b) => b.ratio - a.ratio);
}
