/** Backoff settings carried in a task's context: base and cap in milliseconds. */
export interface BackoffPolicy {
  /** Delay before the first retry, before jitter; default 1000 ms. */
  readonly base_ms: number;
  /** Largest delay, before jitter; default 300000 ms. */
  readonly cap_ms: number;
}

/** Default backoff: 1 s doubling per attempt, capped at 5 min. */
export const DEFAULT_BACKOFF: BackoffPolicy = { base_ms: 1000, cap_ms: 300_000 };

/**
 * Delay before retry number `attempt` (1-based): `min(cap, base·2^(attempt-1))`, with "equal jitter":
 * half fixed, half scaled by `jitter` ∈ [0, 1] which the engine draws and passes in (machines stay pure).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, jitter: number): number {
  const exp = Math.min(policy.cap_ms, policy.base_ms * 2 ** Math.max(0, attempt - 1));
  const j = Math.min(1, Math.max(0, jitter));
  return Math.round(exp / 2 + (exp / 2) * j);
}
