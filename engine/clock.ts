/**
 * The engine's one time source (issue 12: time comes in with events; machines never read a clock): what `now` is and
 * how a step waits. Every time rule of the engine (retry delays, breaker cooldowns, heartbeat timeouts, task and gate
 * deadlines it sleeps out) reads `now()` and waits with `sleep()`, so a test clock runs them in milliseconds. The
 * actors that persist the run should stamp events with the same `now` (`new PersistedActors({ clock: clock.now })`).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves once `ms` of this clock's time have passed (0 or less: on the next macrotask). */
  sleep(ms: number): Promise<void>;
}

/** Waits `ms` of wall time with `setTimeout` (0 or less: the next macrotask). */
function wallSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** A clock reading `now` from `source` (the actors' clock, so events and the engine agree) and sleeping wall time. */
export function clockOf(source: { now(): number }): Clock {
  return { now: () => source.now(), sleep: wallSleep };
}
