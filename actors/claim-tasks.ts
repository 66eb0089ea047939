import type { Kysely } from 'kysely';
import type { SnapshotMigrations } from '../machines/index.js';
import { claimRound, type Database } from '../persistence/index.js';
import { decideTransition, type Decision, type LoadedEntity } from './decide-transition.js';
import { loadedEntity } from './loaded-entity.js';
import { transitionItem } from './transition-item.js';

/** What a worker asks for when it claims queued tasks. */
export interface ClaimRequest {
  readonly workerId: string;
  /** The worker's capabilities: only tasks whose required capabilities they cover are claimed. */
  readonly capabilities: readonly string[];
  /** Most tasks to claim at once; default 1. */
  readonly limit?: number;
  /** Only tasks of these workstreams (worker affinity). */
  readonly workstreamIds?: readonly string[];
  /** Only tasks of this run. */
  readonly runId?: string;
  /** Time of the claim (epoch ms). */
  readonly now: number;
}

/** A task as the caller holds it at `version`, if it does (default: none, every locked row is read). */
export type KnownTask = (id: string, version: number) => LoadedEntity | undefined;

/**
 * Claims queued tasks for one worker (SSOT §4.3.1): in ONE transaction, `SELECT * … FOR UPDATE SKIP LOCKED` locks and
 * reads tasks no other claimer holds, and each takes `worker_started` (queued → running, `worker_id` set) with its
 * audit row; among any number of concurrent claimers, each task goes to exactly one (persistence/claim-round.ts: two
 * round trips on PostgreSQL). Returns the committed decisions. `known` gives the task as this process holds it at a
 * version (its cache): a locked row at that version is decided from it instead of being parsed again.
 */
export async function claimTasks(db: Kysely<Database>, req: ClaimRequest, known: KnownTask = () => undefined, migrations?: SnapshotMigrations): Promise<Decision[]> {
  let decisions: Decision[] = [];
  const opts = {
    limit: req.limit ?? 1,
    capabilities: [...req.capabilities],
    workstreamIds: req.workstreamIds ? [...req.workstreamIds] : undefined,
    runId: req.runId,
  };
  await claimRound(db, opts, (locked) => {
    // The rows are locked: a task this process holds at the locked version is exactly the row.
    const event = { type: 'worker_started', now: req.now, worker_id: req.workerId, worker_capabilities: [...req.capabilities] };
    decisions = locked.map((row) => decideTransition(known(row.id, row.version) ?? loadedEntity(row, migrations), event, { clampTime: true }));
    return decisions.map(transitionItem);
  });
  return decisions;
}
