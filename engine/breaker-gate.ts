import { accepts, clipReason, cooldownRemainingMs, type CircuitBreakerContext, type SendEventOf } from '../machines/index.js';
import { OptimisticLockError } from '../persistence/index.js';
import type { PlanTask } from '../plan/index.js';
import type { RunContext } from './run-context.js';

/** Longest wait of a task for a HALF_OPEN breaker's trial call to end (its end wakes the waiters at once). */
const TRIAL_WAIT_MS = 100;

/** Per run: breaker id → the task whose call is the HALF_OPEN trial (SSOT §2.4: one trial call at a time). */
const trials = new WeakMap<RunContext, Map<string, string>>();

function trialsOf(ctx: RunContext): Map<string, string> {
  let m = trials.get(ctx);
  if (!m) trials.set(ctx, (m = new Map()));
  return m;
}

/** The seconds an OPEN breaker's cooldown still has to run at `now` (rounded up): what a rejected call is told. */
function secondsLeft(context: CircuitBreakerContext, now: number): number {
  return Math.ceil(cooldownRemainingMs(context, now) / 1000);
}

/**
 * Waits until the task's tool breaker lets its call through (SSOT §2.4): while it is OPEN the task is not started
 * (a note says how many seconds remain); when the cooldown is over the engine sends `cooldown_elapsed` (OPEN →
 * HALF_OPEN, the machine's guard decides whether it is due); in HALF_OPEN one task at a time is the trial call, the
 * others wait until it ended ({@link releaseTrial}). CLOSED lets every call through.
 */
export async function waitForBreaker(ctx: RunContext, task: PlanTask): Promise<void> {
  const id = ctx.ids.breaker(task.tool);
  const taskId = ctx.ids.task(task.id);
  let noted = false;
  for (;;) {
    const seen = ctx.changes.version;
    const b = await ctx.actors.load('circuit_breaker', id);
    if (b.state === 'CLOSED') return;
    if (b.state === 'OPEN') {
      if (!noted) ctx.options.onNote?.(`task ${taskId} waits: circuit breaker '${task.tool}' is OPEN, ${secondsLeft(b.context, ctx.clock.now())} s of cooldown remain`);
      noted = true;
      await ctx.clock.sleep(cooldownRemainingMs(b.context, ctx.clock.now()) + 1);
      const elapsed: TimedBreakerEvent = { type: 'cooldown_elapsed', now: ctx.clock.now() };
      if (accepts('circuit_breaker', b.snapshot, elapsed)) await sendOnVersion(ctx, id, elapsed, b.version);
      continue;
    }
    // HALF_OPEN: exactly one trial call; the others wait for its outcome (CLOSED lets them all through, OPEN waits).
    const holder = trialsOf(ctx).get(id);
    if (holder === undefined || holder === taskId) {
      trialsOf(ctx).set(id, taskId);
      return;
    }
    await ctx.changes.wait(seen, TRIAL_WAIT_MS);
  }
}

/** Ends the task's HALF_OPEN trial, if it holds it (its attempt is over), and wakes the tasks waiting for it. */
export function releaseTrial(ctx: RunContext, task: PlanTask): void {
  const id = ctx.ids.breaker(task.tool);
  if (trialsOf(ctx).get(id) !== ctx.ids.task(task.id)) return;
  trialsOf(ctx).delete(id);
  ctx.changes.notify();
}

/**
 * Why the breaker rejects the task's call now, or null when it may run (SSOT §2.4): OPEN rejects every call saying
 * how many seconds of cooldown remain; HALF_OPEN rejects all but its trial call. A task queued before its breaker
 * opened reaches here; the rejection becomes its attempt's error, so the task shows the reason.
 */
export async function callRefusal(ctx: RunContext, task: PlanTask): Promise<string | null> {
  const b = await ctx.actors.load('circuit_breaker', ctx.ids.breaker(task.tool));
  if (b.state === 'OPEN') return `circuit breaker '${task.tool}' is OPEN: call rejected, ${secondsLeft(b.context, ctx.clock.now())} s of cooldown remain`;
  const holder = trialsOf(ctx).get(b.id);
  if (b.state === 'HALF_OPEN' && holder !== undefined && holder !== ctx.ids.task(task.id)) {
    return `circuit breaker '${task.tool}' is HALF_OPEN: call rejected, its one trial call (task ${holder}) is in flight`;
  }
  return null;
}

/**
 * Reports a call's outcome to the tool's breaker: `call_succeeded` or `call_failed` (SSOT §2.4), when its machine
 * takes it. A call that ended after another one already opened the breaker finds it OPEN: the machine has no edge
 * for it and the outcome is not sent (the breaker already decided). Pinned to the version it looked at, re-asked
 * when another call's outcome committed first.
 */
export async function reportCall(ctx: RunContext, task: PlanTask, ok: boolean, error?: string): Promise<void> {
  const id = ctx.ids.breaker(task.tool);
  for (;;) {
    const b = await ctx.actors.load('circuit_breaker', id);
    const now = ctx.clock.now();
    const event: TimedBreakerEvent = ok ? { type: 'call_succeeded', now } : { type: 'call_failed', now, ...(error ? { error: clipReason(error) } : {}) };
    if (!accepts('circuit_breaker', b.snapshot, event)) return;
    if (await sendOnVersion(ctx, id, event, b.version)) return;
  }
}

/** A breaker event with the time it was asked with (for `accepts`; dropped when sent). */
type TimedBreakerEvent = SendEventOf<'circuit_breaker'> & { now: number };

/**
 * Sends `event` (its time from the actors' clock, the `now` it was asked with dropped) to the breaker at `version`;
 * false when another outcome committed first (the caller asks again).
 */
async function sendOnVersion(ctx: RunContext, id: string, event: TimedBreakerEvent, version: number): Promise<boolean> {
  const { now: _asked, ...sent } = event;
  try {
    await ctx.actors.send('circuit_breaker', id, sent, { expectedVersion: version });
    return true;
  } catch (err) {
    if (err instanceof OptimisticLockError) return false;
    throw err;
  }
}
