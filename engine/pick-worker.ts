import type { PlanTask } from '../plan/index.js';
import { NoEligibleWorkerError } from './errors.js';
import type { RunContext } from './run-context.js';
import { sleep } from './sleep.js';

/** A worker chosen for a task: its entity id and capabilities. */
export interface ChosenWorker {
  readonly id: string;
  readonly capabilities: readonly string[];
}

/**
 * Takes a task slot on an orchestration worker that can run the task (SSOT §1.5.6: capabilities ⊆, affinity, spare
 * capacity `max_concurrent_tasks`, not shut down), round robin over the eligible ones, waiting while every eligible
 * worker is full (the lanes of other workstreams hold them). `NoEligibleWorkerError` when no pool fits or every
 * fitting worker is shut down. The caller claims the task for the worker, then gives the slot back with
 * {@link releaseSlot}.
 */
export async function pickWorker(ctx: RunContext, task: PlanTask): Promise<ChosenWorker> {
  const eligible: (ChosenWorker & { max: number })[] = [];
  for (const pool of ctx.plan.workers.orchestration) {
    if (!task.requires.every((c) => pool.capabilities.includes(c))) continue;
    if (pool.affinity.length > 0 && !pool.affinity.includes(task.workstream)) continue;
    for (const w of pool.worker_ids) eligible.push({ id: ctx.ids.worker(w), capabilities: pool.capabilities, max: pool.max_concurrent_tasks });
  }
  for (;;) {
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
    await sleep(SLOT_POLL_MS);
  }
}

/** Takes the slot of a free UET worker (one task at a time, SSOT §2.1), waiting while all are busy; returns its id. */
export async function pickUetWorker(ctx: RunContext): Promise<string> {
  for (;;) {
    for (let i = 0; i < ctx.plan.workers.uet.count; i++) {
      const id = ctx.ids.uetWorker(((ctx.cursors.uet + i) % ctx.plan.workers.uet.count) + 1);
      if ((ctx.slots.get(id) ?? 0) > 0) continue;
      ctx.slots.set(id, 1);
      ctx.cursors.uet = (ctx.cursors.uet + i + 1) % ctx.plan.workers.uet.count;
      return id;
    }
    await sleep(SLOT_POLL_MS);
  }
}

/** Gives back a slot taken by {@link pickWorker} or {@link pickUetWorker}. */
export function releaseSlot(ctx: RunContext, workerId: string): void {
  ctx.slots.set(workerId, Math.max(0, (ctx.slots.get(workerId) ?? 0) - 1));
}

/** How often a lane waiting for a free worker looks again. */
const SLOT_POLL_MS = 10;

/** Sends `heartbeat` to a worker whose last one is older than `maxAgeMs` (keeps the can-assign rule's freshness, R-6). */
export async function heartbeatIfStale(ctx: RunContext, workerId: string, maxAgeMs: number): Promise<void> {
  const v = await ctx.actors.load('worker', workerId);
  const last = v.context['last_heartbeat'];
  if (typeof last !== 'number' || Date.now() - last >= maxAgeMs) await ctx.actors.send('worker', workerId, { type: 'heartbeat' });
}
