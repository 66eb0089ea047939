import { accepts, uetHeartbeatLost, type SendEventOf } from '../machines/index.js';
import { OptimisticLockError } from '../persistence/index.js';
import { heartbeatMs, type RunContext } from './run-context.js';

/** The run's UET workers, all held by the engine process (`R.uet-1` … `R.uet-<count>`). */
function uetWorkerIds(ctx: RunContext): string[] {
  return Array.from({ length: ctx.plan.workers.uet.count }, (_, i) => ctx.ids.uetWorker(i + 1));
}

/** Sends `event` at the version looked at; false when the worker moved meanwhile (the next pulse looks again). */
async function sendAt(ctx: RunContext, id: string, event: SendEventOf<'uet_worker'>, version: number, reason: string): Promise<boolean> {
  try {
    await ctx.actors.send('uet_worker', id, event, { expectedVersion: version, reason });
    return true;
  } catch (err) {
    if (err instanceof OptimisticLockError) return false;
    throw err;
  }
}

/**
 * Beats every UET worker of the run whose machine takes a heartbeat (IDLE and BUSY, SSOT §2.1: one every interval),
 * as the engine's pulse beats its orchestration workers: a live engine's UET workers never look stuck.
 */
export async function beatUetWorkers(ctx: RunContext): Promise<void> {
  // All at once (one commit round for all): the pulse's tick stays short, so the orchestration workers' next beat is
  // not delayed by these.
  await Promise.all(uetWorkerIds(ctx).map(async (id) => {
    // Re-asked when a task was assigned or released meanwhile: the watchdog right after must see this beat.
    for (let tries = 0; tries < 8; tries++) {
      const v = await ctx.actors.load('uet_worker', id);
      if (!accepts('uet_worker', v.snapshot, { type: 'heartbeat', now: ctx.clock.now() })) break;
      if (await sendAt(ctx, id, { type: 'heartbeat' }, v.version, 'heartbeat')) break;
    }
  }));
}

/**
 * The UET worker watchdog at time `now` (SSOT §2.1): a worker in IDLE or BUSY that missed two heartbeats is
 * quarantined and ends TERMINATED with reason "heartbeat lost" — `crashed` from BUSY, `shutdown_requested` from IDLE,
 * whichever its machine takes in its state. Returns one line per worker terminated.
 */
export async function watchUetWorkers(ctx: RunContext, now: number): Promise<string[]> {
  const notes: string[] = [];
  for (const id of uetWorkerIds(ctx)) {
    const v = await ctx.actors.load('uet_worker', id);
    if (!uetHeartbeatLost(v.context, now, heartbeatMs(ctx))) continue;
    const candidates: SendEventOf<'uet_worker'>[] = [{ type: 'crashed', error: 'heartbeat lost' }, { type: 'shutdown_requested' }];
    const event = candidates.find((e) => accepts('uet_worker', v.snapshot, { ...e, now }));
    if (event === undefined) continue; // SPAWNING, DRAINING or TERMINATED: not beaten, nothing to lose
    if (await sendAt(ctx, id, event, v.version, 'heartbeat lost')) notes.push(`uet_worker ${id}: ${v.state} → TERMINATED (heartbeat lost)`);
  }
  return notes;
}
