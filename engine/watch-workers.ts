import { heartbeatTimeoutOf, recoveryTimeoutOf, type EntityType, type SendEventOf } from '../machines/index.js';
import { runningTasks, runWorkers } from '../persistence/index.js';
import { drawJitter } from './run-claimed-task.js';
import type { RunContext } from './run-context.js';
import { sendAccepted } from './send-accepted.js';

/**
 * Sends an event that a race may have made moot (the entity moved on) when its machine still takes it; returns the
 * state it led to, or null when the machine takes it no more (or, pinned to `expectedVersion`, it moved on).
 */
async function trySend<T extends EntityType>(ctx: RunContext, type: T, id: string, event: SendEventOf<T>, reason: string, opts: { expectedVersion?: number; now?: number } = {}): Promise<string | null> {
  const sent = await sendAccepted(ctx, type, id, [event], { reason, ...opts });
  return sent?.to ?? null;
}

/**
 * Sends a worker's heartbeat (SSOT §1.5: accepted in idle, busy and unresponsive); a worker found `unresponsive`
 * gets `heartbeat_recovered` right after it (back to idle within the recovery window). Returns the worker's state.
 */
export async function beatWorker(ctx: RunContext, workerId: string): Promise<string> {
  const state = await trySend(ctx, 'worker', workerId, { type: 'heartbeat' }, 'heartbeat');
  if (state === null) return (await ctx.actors.load('worker', workerId)).state; // its machine takes no heartbeat (shut down)
  // Unresponsive, within the recovery window it comes back; past it the guard refuses and the watchdog sends recovery_timeout.
  return (await trySend(ctx, 'worker', workerId, { type: 'heartbeat_recovered' }, 'a heartbeat arrived')) ?? state;
}

/**
 * One pass of the engine's worker watchdog over every orchestration worker of the run, the engine's and those of
 * `gantry worker` processes (SSOT §1.5, §1.5.7, R-6), at time `now`:
 * - `busy` without a heartbeat for longer than its timeout (2 missed beats) → `heartbeat_timeout`; the tasks it held
 *   and still runs take `execution_failed` ("worker lost") and retry elsewhere by their own edges;
 * - `unresponsive` with a heartbeat newer than when it went silent → `heartbeat_recovered`; silent past its
 *   recovery window → `recovery_timeout` (shutdown, resources released);
 * - `idle` without a heartbeat for longer than the recovery window → `shutdown_requested`, "heartbeat lost" (R-6);
 * - a running task whose worker is gone, or died between the claim and taking it, → `execution_failed`.
 * Returns one line per action taken.
 */
export async function watchWorkers(ctx: RunContext, now: number): Promise<string[]> {
  const notes: string[] = [];
  for (const id of await runWorkers(ctx.db, ctx.ids.run, ['idle', 'busy', 'unresponsive'])) {
    const v = await ctx.actors.load('worker', id);
    const c = v.context;
    const silentMs = c.last_heartbeat === null ? Infinity : now - c.last_heartbeat;
    if (v.state === 'busy') {
      // Its machine's guard decides whether the heartbeat is missed (2 intervals) at `now`.
      const reason = `no heartbeat for ${Math.round(silentMs / 1000)} s (2 missed)`;
      if ((await trySend(ctx, 'worker', id, { type: 'heartbeat_timeout' }, reason, { expectedVersion: v.version, now })) !== 'unresponsive') continue;
      notes.push(`worker ${id}: busy → unresponsive (${reason})`);
      const released = (await ctx.actors.load('worker', id)).context.released_tasks;
      for (const taskId of released) {
        const t = await ctx.actors.load('task', taskId);
        if (t.state !== 'running' || t.context.worker_id !== id) continue;
        const error = `worker ${id} was lost: ${reason}`;
        const to = await trySend(ctx, 'task', taskId, { type: 'execution_failed', error, jitter: drawJitter(ctx) }, 'worker lost (SSOT §1.5.7)', { expectedVersion: t.version });
        if (to) notes.push(`task ${taskId}: running → ${to} (worker lost)`);
      }
    } else if (v.state === 'unresponsive' && c.unresponsive_since !== null) {
      // The window first (its guard decides at `now`): a heartbeat that came back too late does not save the worker.
      if (await trySend(ctx, 'worker', id, { type: 'recovery_timeout' }, 'no heartbeat within the recovery window', { expectedVersion: v.version, now })) {
        notes.push(`worker ${id}: unresponsive → shutdown`);
      } else if (c.last_heartbeat !== null && c.last_heartbeat > c.unresponsive_since) {
        if (await trySend(ctx, 'worker', id, { type: 'heartbeat_recovered' }, 'a heartbeat arrived', { expectedVersion: v.version, now })) notes.push(`worker ${id}: unresponsive → idle`);
      }
    } else if (v.state === 'idle' && silentMs > recoveryTimeoutOf(c)) {
      if (await trySend(ctx, 'worker', id, { type: 'shutdown_requested' }, 'heartbeat lost (R-6)')) notes.push(`worker ${id}: idle → shutdown (heartbeat lost)`);
    }
  }
  notes.push(...(await failOrphanedTasks(ctx, now)));
  return notes;
}

/**
 * Running tasks whose worker can no longer finish them: the worker is unresponsive or shut down, or it claimed the
 * task but died before taking it (`task_assigned`) and has been silent past its heartbeat timeout. They take
 * `execution_failed` and retry elsewhere (SSOT §1.5.7).
 */
async function failOrphanedTasks(ctx: RunContext, now: number): Promise<string[]> {
  const notes: string[] = [];
  for (const t of await runningTasks(ctx.db, ctx.ids.run)) {
    if (t.workerId === null) continue;
    const w = await ctx.actors.load('worker', t.workerId);
    const c = w.context;
    const silentMs = c.last_heartbeat === null ? Infinity : now - c.last_heartbeat;
    const gone = w.state === 'unresponsive' || w.state === 'shutdown';
    const neverTaken = !c.current_tasks.includes(t.id) && silentMs > heartbeatTimeoutOf(c);
    if (!gone && !neverTaken) continue;
    const error = `worker ${t.workerId} was lost: ${gone ? `it is ${w.state}` : `no heartbeat for ${Math.round(silentMs / 1000)} s since it claimed the task`}`;
    const to = await trySend(ctx, 'task', t.id, { type: 'execution_failed', error, jitter: drawJitter(ctx) }, 'worker lost (SSOT §1.5.7)', { expectedVersion: t.version });
    if (to) notes.push(`task ${t.id}: running → ${to} (worker lost)`);
  }
  return notes;
}
