import { z } from 'zod';

/** The longest delay a Node.js timer holds (`setTimeout`, `setInterval`): 2^31 - 1 ms; longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;
/** The largest value of a PostgreSQL `integer` column (retry counts, thresholds, capacities are stored in them). */
export const MAX_DB_INTEGER = 2_147_483_647;

/** One bound the engine puts on a number of the plan: the limit and why it cannot honour more. */
export interface PlanLimit {
  readonly max: number;
  readonly min?: number;
  readonly why: string;
}

/**
 * The bounds of the plan's numbers by what the engine can honour (every one is checked by `gantry plan check`, the
 * message naming the limit and the reason): durations in seconds become timers (≤ 2^31-1 ms), counts go to integer
 * columns or become one persisted entity each, the patch limit must fit the git output buffer and the `patches.bytes`
 * column.
 */
export const PLAN_LIMITS = {
  timeoutSec: { max: Math.floor(MAX_TIMER_MS / 1000), why: 'the longest timer Node.js holds is 2^31-1 ms' },
  delayMs: { max: MAX_TIMER_MS, why: 'the longest timer Node.js holds is 2^31-1 ms' },
  delaySec: { max: Math.floor(MAX_TIMER_MS / 1000), why: 'the longest timer Node.js holds is 2^31-1 ms' },
  heartbeatSec: { max: Math.floor(MAX_TIMER_MS / 2000), min: 0.01, why: 'heartbeats are timers (2^31-1 ms, the watchdog waits 2 intervals) and under 10 ms they would spin' },
  dbCount: { max: MAX_DB_INTEGER, why: 'it is stored in a 32-bit integer column' },
  entities: { max: 1000, why: 'each is a persisted entity and an actor created when the run starts' },
  conflictRounds: { max: 20, why: 'each conflict round replays or re-runs the workstream\'s tasks and gates as new persisted entities' },
  patchBytes: { max: 256 * 1024 * 1024, why: 'a patch must fit the git output buffer (512 MiB) and the patches.bytes column' },
} as const satisfies Record<string, PlanLimit>;

/** `schema` with the bound `limit` checked (on the value written or its default), the reason in the message. */
export function bounded<S extends z.ZodType<number>>(schema: S, limit: PlanLimit): S {
  const checked = schema.check(z.lte(limit.max, { message: limit.why }));
  return (limit.min === undefined ? checked : checked.check(z.gte(limit.min, { message: limit.why }))) as S;
}
