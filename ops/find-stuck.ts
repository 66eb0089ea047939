import type { Kysely } from 'kysely';
import { activeEntityRows, type ActiveEntityRow, type Database } from '../persistence/index.js';

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

/** Every executing workstream, running task and idle/busy worker with its age against its threshold (SSOT §5.1). */
export async function watchActive(db: Kysely<Database>, t: StuckThresholds = DEFAULT_STUCK_THRESHOLDS, now = Date.now()): Promise<WatchedEntity[]> {
  const out: WatchedEntity[] = [];
  const add = (entityType: WatchedEntity['entityType'], r: ActiveEntityRow, since: Date, expectedMs: number) => {
    const ageMs = Math.max(0, now - since.getTime());
    out.push({ entityType, id: r.id, state: r.state, runId: r.runId, since, ageMs, expectedMs, ratio: ageMs / expectedMs, stuck: ageMs > expectedMs });
  };
  for (const r of await activeEntityRows(db, 'workstreams', ['executing'])) add('workstream', r, r.startedAt ?? r.updatedAt, t.workstreamMs);
  for (const r of await activeEntityRows(db, 'tasks', ['running'])) add('task', r, r.startedAt ?? r.updatedAt, Math.min(t.taskMs, (r.timeoutSec ?? Infinity) * 1000));
  for (const [type, table, states] of [
    ['worker', 'workers', ['idle', 'busy']],
    ['uet_worker', 'uet_workers', ['IDLE', 'BUSY']],
  ] as const) {
    for (const r of await activeEntityRows(db, table, states)) add(type, r, r.lastHeartbeat ?? r.updatedAt, t.heartbeatMs);
  }
  return out;
}

/** The stuck entities only (SSOT §5.1), oldest relative to their threshold first. */
export async function findStuck(db: Kysely<Database>, t: StuckThresholds = DEFAULT_STUCK_THRESHOLDS, now = Date.now()): Promise<WatchedEntity[]> {
  return (await watchActive(db, t, now)).filter((w) => w.stuck).sort((a, b) => b.ratio - a.ratio);
}
