import type { PlanTask } from '../plan/index.js';
import { NoEligibleWorkerError } from './errors.js';
import type { RunContext } from './run-context.js';

/** A worker chosen for a task: its entity id and capabilities. */
export interface ChosenWorker {
  readonly id: string;
  readonly capabilities: readonly string[];
}

/**
 * Chooses an idle orchestration worker that can take the task (SSOT §1.5.6: capabilities ⊆, affinity), round robin
 * over the eligible ones; `NoEligibleWorkerError` when no pool fits or every fitting worker is shut down.
 */
export async function pickWorker(ctx: RunContext, task: PlanTask): Promise<ChosenWorker> {
  const eligible: ChosenWorker[] = [];
  for (const pool of ctx.plan.workers.orchestration) {
    if (!task.requires.every((c) => pool.capabilities.includes(c))) continue;
    if (pool.affinity.length > 0 && !pool.affinity.includes(task.workstream)) continue;
    for (const w of pool.worker_ids) eligible.push({ id: ctx.ids.worker(w), capabilities: pool.capabilities });
  }
  for (let i = 0; i < eligible.length; i++) {
    const w = eligible[(ctx.cursors.worker + i) % eligible.length]!;
    const v = await ctx.actors.load('worker', w.id);
    if (v.state === 'idle') {
      ctx.cursors.worker = (ctx.cursors.worker + i + 1) % eligible.length;
      return w;
    }
  }
  throw new NoEligibleWorkerError(ctx.ids.task(task.id));
}

/** Sends `heartbeat` to a worker whose last one is older than `maxAgeMs` (keeps the can-assign rule's freshness, R-6). */
export async function heartbeatIfStale(ctx: RunContext, workerId: string, maxAgeMs: number): Promise<void> {
  const v = await ctx.actors.load('worker', workerId);
  const last = v.context['last_heartbeat'];
  if (typeof last !== 'number' || Date.now() - last >= maxAgeMs) await ctx.actors.send('worker', workerId, { type: 'heartbeat' });
}
