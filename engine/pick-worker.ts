import type { PlanTask } from '../plan/index.js';
import { NoEligibleWorkerError, NoLiveUetWorkerError } from './errors.js';
import { isTerminal } from '../machines/index.js';
import type { RunContext } from './run-context.js';

/** A worker chosen for a task: its entity id and capabilities. */
export interface ChosenWorker {
  readonly id: string;
  readonly capabilities: readonly string[];
}

/** The plan's pool workers in this process that may run `task` (capabilities ⊆, affinity; SSOT §1.5.6). */
function eligibleLocal(ctx: RunContext, task: PlanTask): (ChosenWorker & { max: number })[] {
  if (ctx.options.localWorkers === false) return [];
  const eligible: (ChosenWorker & { max: number })[] = [];
  for (const pool of ctx.plan.workers.orchestration) {
    if (!task.requires.every((c) => pool.capabilities.includes(c))) continue;
    if (pool.affinity.length > 0 && !pool.affinity.includes(task.workstream)) continue;
    for (const w of pool.worker_ids) eligible.push({ id: ctx.ids.worker(w), capabilities: pool.capabilities, max: pool.max_concurrent_tasks });
  }
  return eligible;
}

/**
 * Takes a task slot on one of this process's orchestration workers that can run the task (SSOT §1.5.6: capabilities
 * ⊆, affinity, spare capacity `max_concurrent_tasks`, not shut down), round robin over the eligible ones; null while
 * every eligible worker is full (the lanes of other workstreams hold them) or the engine runs no workers itself.
 * `NoEligibleWorkerError` when the engine has workers but none fits or every fitting one is shut down. The caller
 * claims the task for the worker, then gives the slot back with {@link releaseSlot}.
 */
export async function tryPickWorker(ctx: RunContext, task: PlanTask): Promise<ChosenWorker | null> {
  if (ctx.options.localWorkers === false) return null;
  const eligible = eligibleLocal(ctx, task);
  let alive = 0;
  for (let i = 0; i < eligible.length; i++) {
    const w = eligible[(ctx.cursors.worker + i) % eligible.length]!;
    const v = await ctx.actors.load('worker', w.id);
    if (v.state !== 'idle' && v.state !== 'busy') continue;
    alive++;
    if ((ctx.slots.get(w.id) ?? 0) >= w.max) continue;
    ctx.slots.set(w.id, (ctx.slots.get(w.id) ?? 0) + 1);
    ctx.cursors.worker = (ctx.cursors.worker + i + 1) % eligible.length;
    return { id: w.id, capabilities: w.capabilities };
  }
  if (alive === 0) throw new NoEligibleWorkerError(ctx.ids.task(task.id));
  return null;
}

/**
 * Takes the slot of a free UET worker (one task at a time, SSOT §2.1), waiting while all are busy; returns its id.
 * A TERMINATED worker (its heartbeat was lost) is passed over; `NoLiveUetWorkerError` when all are.
 */
export async function pickUetWorker(ctx: RunContext): Promise<string> {
  for (;;) {
    const seen = ctx.changes.version;
    let terminated = 0;
    for (let i = 0; i < ctx.plan.workers.uet.count; i++) {
      const id = ctx.ids.uetWorker(((ctx.cursors.uet + i) % ctx.plan.workers.uet.count) + 1);
      if ((ctx.slots.get(id) ?? 0) > 0) continue;
      ctx.slots.set(id, 1); // taken before the load below yields: another lane must not take the same slot meanwhile
      if (isTerminal('uet_worker', (await ctx.actors.load('uet_worker', id)).state)) {
        ctx.slots.delete(id);
        terminated++;
        continue;
      }
      ctx.cursors.uet = (ctx.cursors.uet + i + 1) % ctx.plan.workers.uet.count;
      return id;
    }
    if (terminated === ctx.plan.workers.uet.count) throw new NoLiveUetWorkerError(ctx.ids.run);
    await ctx.changes.wait(seen, SLOT_WAIT_MS); // woken when a slot is given back
  }
}

/** Gives back a slot taken by {@link tryPickWorker} or {@link pickUetWorker}. */
export function releaseSlot(ctx: RunContext, workerId: string): void {
  ctx.slots.set(workerId, Math.max(0, (ctx.slots.get(workerId) ?? 0) - 1));
  ctx.changes.notify();
}

/** Longest wait for a free UET worker between looks (a released slot wakes the waiter at once). */
const SLOT_WAIT_MS = 100;

/** Sends `heartbeat` to a worker whose last one is older than `maxAgeMs` (keeps the can-assign rule's freshness, R-6). */
export async function heartbeatIfStale(ctx: RunContext, workerId: string, maxAgeMs: number): Promise<void> {
  const v = await ctx.actors.load('worker', workerId);
  const last = v.context.last_heartbeat;
  if (last === null || ctx.clock.now() - last >= maxAgeMs) await ctx.actors.send('worker', workerId, { type: 'heartbeat' });
}
