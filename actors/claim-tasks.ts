import type { Kysely } from 'kysely';
import { claimQueuedTasks, commitTransitions, inTransaction, type Database } from '../persistence/index.js';
import { decideTransition, type Decision } from './decide-transition.js';
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

/**
 * Claims queued tasks for one worker (SSOT §4.3.1): in ONE transaction, `SELECT … FOR UPDATE SKIP LOCKED` picks
 * tasks no other claimer holds, and each takes `worker_started` (queued → running, `worker_id` set) with its audit
 * row; among any number of concurrent claimers, each task goes to exactly one. Returns the committed decisions.
 */
export async function claimTasks(db: Kysely<Database>, req: ClaimRequest): Promise<Decision[]> {
  return inTransaction(db, async (trx) => {
    const rows = await claimQueuedTasks(trx, {
      limit: req.limit ?? 1,
      capabilities: [...req.capabilities],
      workstreamIds: req.workstreamIds ? [...req.workstreamIds] : undefined,
      runId: req.runId,
    });
    const event = { type: 'worker_started', now: req.now, worker_id: req.workerId, worker_capabilities: [...req.capabilities] };
    const decisions = rows.map((r) => decideTransition(loadedEntity(r), event, { clampTime: true }));
    const results = await commitTransitions(trx, decisions.map(transitionItem));
    // The rows are locked by this transaction: a version conflict here would be a bug, never a race.
    results.forEach((r, i) => {
      if (!r.ok) throw new Error(`claimed task ${decisions[i]!.next.id} changed under its row lock`);
    });
    return decisions;
  });
}
