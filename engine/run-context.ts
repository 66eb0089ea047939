import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { PersistedActors } from '../actors/index.js';
import type { Database } from '../persistence/index.js';
import type { Plan, PlanOrder } from '../plan/index.js';
import type { RunIds } from './entity-ids.js';
import { RunInterruptedError } from './errors.js';
import type { ChangeSignal } from './change-signal.js';
import type { Clock } from './clock.js';
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
  /** The plan file, recorded in `run_sources` so `gantry resume` and `gantry worker` find it; default none. */
  readonly planFile?: string;
  /**
   * Whether the engine runs tasks on the plan's pool workers in this process; default true. With false every task
   * waits for a `gantry worker` process to claim it (scale-out, docs/design/plan.md).
   */
  readonly localWorkers?: boolean;
  /**
   * Receives one line for the person watching whenever the engine's pulse finds something: a worker lost or
   * recovered, tasks waiting with no `gantry worker` alive; default none (the audit has the transitions anyway).
   */
  readonly onNote?: (line: string) => void;
  /**
   * The audit key file that signs the checkpoint taken when a run ends (issue 11); default `GANTRY_AUDIT_KEY`, else
   * `<stateDir>/audit-key.pem` (created, mode 0600, on first use); false takes no checkpoint.
   */
  readonly auditKey?: string | false;
  /**
   * The bubblewrap program of the task sandbox: a path, or a name looked up on `sandboxPath`; default `bwrap`.
   * Tests point it elsewhere to play a machine without bubblewrap.
   */
  readonly bwrap?: string;
  /** The `PATH` the bubblewrap program is looked up on; default this process's `PATH`. */
  readonly sandboxPath?: string;
  /** Further paths the sandbox hides from tasks and gates besides the repository and the state directory (a database folder). */
  readonly sandboxHide?: readonly string[];
  /** Receives the sandbox warning of a run that runs unsandboxed under `sandbox: auto`; default: standard error. */
  readonly onWarning?: (line: string) => void;
  /**
   * The engine's time source (engine/clock.ts); default the actors' clock (`PersistedActors.now`) with wall-time
   * sleeps. One given here should be the actors' too (`new PersistedActors({ clock: () => clock.now() })`) so events
   * and the engine's time rules agree; tests pass a clock they move.
   */
  readonly clock?: Clock;
}

/** Everything the steps of one run share: the plan, its ids, the actors, the database and the run's worktrees. */
export interface RunContext {
  readonly plan: Plan;
  readonly order: PlanOrder;
  readonly ids: RunIds;
  /**
   * Retried task entity → its retry (`taskRetryLinks`), the map `ids` follows: a conflict round's re-run (EXT-8)
   * adds to it as it creates the retries.
   */
  readonly retries: Map<string, string>;
  readonly actors: PersistedActors;
  readonly db: Kysely<Database>;
  readonly options: EngineOptions;
  /** The run's one time source: `options.clock`, else the actors' clock. */
  readonly clock: Clock;
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
  /** Wakes waiting lanes on a committed transition or a released slot (see `driveRun`). */
  readonly changes: ChangeSignal;
  /** Set when the run's pulse failed for good: the lanes stop at their next step with this error (run resumable). */
  readonly halt: { error: unknown };
}

/** The heartbeat interval in ms: `options.heartbeatIntervalMs`, else the plan's `workers.heartbeat_interval_sec`. */
export function heartbeatMs(ctx: Pick<RunContext, 'plan' | 'options'>): number {
  return ctx.options.heartbeatIntervalMs ?? ctx.plan.workers.heartbeat_interval_sec * 1000;
}

/** Ids of the plan's own pool workers (run by the engine process unless `localWorkers` is false). */
export function localWorkerIds(ctx: Pick<RunContext, 'plan' | 'ids'>): string[] {
  return ctx.plan.workers.orchestration.flatMap((p) => p.worker_ids.map((w) => ctx.ids.worker(w)));
}

/** `<stateDir>/runs/<run>.engine.json`: written by the engine that drives the run, naming its host and pid. */
export function engineMarkerPath(stateDir: string, runId: string): string {
  return join(stateDir, 'runs', `${runId}.engine.json`);
}

/** Throws the pulse's error when it failed for good, `RunInterruptedError` when the run was asked to stop; else a no-op. */
export function checkStop(ctx: RunContext): void {
  if (ctx.halt.error !== null) throw ctx.halt.error;
  if (ctx.options.signal?.aborted) throw new RunInterruptedError(ctx.ids.run);
}
