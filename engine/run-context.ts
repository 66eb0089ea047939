import type { Kysely } from 'kysely';
import type { PersistedActors } from '../actors/index.js';
import type { Database } from '../persistence/index.js';
import type { Plan, PlanOrder } from '../plan/index.js';
import type { RunIds } from './entity-ids.js';
import { RunInterruptedError } from './errors.js';
import type { Mutex } from './mutex.js';

/** Engine settings; the defaults suit real runs, tests shorten the intervals. */
export interface EngineOptions {
  /** State directory: worktrees under `<stateDir>/worktrees/<run>/<ws>`, archives under `<stateDir>/archive/`. */
  readonly stateDir: string;
  /** Worker heartbeat interval in ms while a task runs; default the plan's `workers.heartbeat_interval_sec`. */
  readonly heartbeatIntervalMs?: number;
  /** Jitter draw for retry backoff in [0, 1]; default `Math.random`. */
  readonly jitter?: () => number;
  /** Grace between SIGTERM and SIGKILL when a task or gate times out; default 2000 ms. */
  readonly killGraceMs?: number;
  /** When aborted, the run stops after its current step (task attempt) and stays resumable (`RunInterruptedError`). */
  readonly signal?: AbortSignal;
}

/** Everything the steps of one run share: the plan, its ids, the actors, the database and the run's worktrees. */
export interface RunContext {
  readonly plan: Plan;
  readonly order: PlanOrder;
  readonly ids: RunIds;
  readonly actors: PersistedActors;
  readonly db: Kysely<Database>;
  readonly options: EngineOptions;
  /** Absolute state directory. */
  readonly stateDir: string;
  /** Worktree path per plan workstream id (absent until created, removed when the workstream settles). */
  readonly worktrees: Map<string, string>;
  /** Ledger entity ids per plan workstream id, in creation order. */
  readonly ledgers: Map<string, string[]>;
  /** Round-robin cursors for worker choice. */
  readonly cursors: { worker: number; uet: number };
  /** Serialises the lanes' shared steps (derivation, settlement, repository git operations). */
  readonly lock: Mutex;
  /** Task slots each worker (orchestration or UET) holds in this process, by entity id. */
  readonly slots: Map<string, number>;
}

/** Terminal states of every machine (no edge leaves them). */
export const TERMINAL: Readonly<Record<string, readonly string[]>> = {
  run: ['succeeded', 'failed', 'canceled'],
  workstream: ['completed', 'failed', 'cancelled', 'skipped'],
  task: ['completed', 'failed', 'cancelled'],
  worker: ['shutdown'],
  uet_worker: ['TERMINATED'],
  patch_ledger: ['rolled_back', 'dropped'],
  test_gate: ['PASSED', 'FAILED'],
  circuit_breaker: [],
};

/** Whether `state` is terminal for `entityType`. */
export function isTerminal(entityType: string, state: string): boolean {
  return (TERMINAL[entityType] ?? []).includes(state);
}

/** Throws `RunInterruptedError` when the run was asked to stop (options.signal aborted); a no-op otherwise. */
export function checkStop(ctx: RunContext): void {
  if (ctx.options.signal?.aborted) throw new RunInterruptedError(ctx.ids.run);
}
