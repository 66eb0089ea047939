import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { PersistedActors } from '../actors/index.js';
import { EntityNotFoundError, taskRetryLinks, type Database, type RunSourceRecord } from '../persistence/index.js';
import { recordedPlan, type PlanTask, type WorkerPool } from '../plan/index.js';
import { engineMarkerPath, type EngineOptions, type RunContext } from './run-context.js';
import { drawJitter } from './run-claimed-task.js';
import { createRunContext, workerInput } from './start-run.js';
import { sendAccepted } from './send-accepted.js';

/** One worker a `gantry worker` process runs in one run's pool. */
export interface JoinedWorker {
  readonly id: string;
  readonly pool: WorkerPool;
  /** Affinity as workstream entity ids (claim filter). */
  readonly workstreamIds: readonly string[];
  /** Task entity id → plan task, for the tasks this worker may claim. */
  readonly tasks: ReadonlyMap<string, PlanTask>;
}

/** What a `gantry worker` process holds for one run it joined. */
export interface JoinedRun {
  readonly ctx: RunContext;
  readonly workers: JoinedWorker[];
}

/** A worker id part from a free-form name: `[A-Za-z0-9._-]`, at most 40 characters. */
export function workerNamePart(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 40);
  return clean || 'worker';
}

/** The id of process `name`'s worker in `pool` of run `runId`: `R.<pool>.w-<name>`. */
export function remoteWorkerId(runId: string, pool: string, name: string): string {
  return `${runId}.${pool}.w-${workerNamePart(name)}`;
}

/**
 * Whether the run's state directory is the one its engine uses, on this machine (or a shared mount): the marker the
 * engine wrote there names the same host and pid as `run_sources`. A look-alike directory on another machine fails.
 */
async function sameEngineMarker(source: RunSourceRecord): Promise<boolean> {
  try {
    const m = JSON.parse(await readFile(engineMarkerPath(source.stateDir, source.runId), 'utf8')) as { engine_host?: string; engine_pid?: number };
    return m.engine_host === source.engineHost && m.engine_pid === source.enginePid;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return false;
    throw err;
  }
}

/**
 * Takes over a worker this process's earlier incarnation left `busy` (it was killed and restarted under the same
 * name): the tasks it still runs can never report, so each takes `execution_failed` (pinned to its version) and
 * retries; the worker lets go of them (`task_completed`) so that its capacity is free again (SSOT §1.5.7).
 */
async function takeOver(ctx: RunContext, workerId: string, note: (line: string) => void): Promise<void> {
  const held = (await ctx.actors.load('worker', workerId)).context.current_tasks;
  for (const taskId of held) {
    const t = await ctx.actors.load('task', taskId);
    if (t.state === 'running' && t.context.worker_id === workerId) {
      const error = `worker ${workerId} restarted: the attempt it was running is lost`;
      const failed = await sendAccepted(ctx, 'task', taskId, [{ type: 'execution_failed', error, jitter: drawJitter(ctx) }], { expectedVersion: t.version, reason: 'worker process restarted' });
      if (failed) note(`task ${taskId}: failed (worker ${workerId} restarted)`);
    }
    await sendAccepted(ctx, 'worker', workerId, [{ type: 'task_completed', task_id: taskId }], { reason: 'worker process restarted' });
  }
}

/** The worktree a task of workstream `ws` runs in, under the engine's state directory. */
export function worktreeOf(ctx: RunContext, ws: string): string {
  return join(ctx.stateDir, 'worktrees', ctx.ids.run, ws);
}

async function stateOf(actors: PersistedActors, id: string): Promise<string | null> {
  try {
    return (await actors.load('worker', id)).state;
  } catch (err) {
    if (err instanceof EntityNotFoundError) return null;
    throw err;
  }
}

/**
 * Joins a live run as process `name` (docs/design/plan.md `gantry worker`): one worker per pool of the run's plan (or of `pools`
 * when given), created and registered with the pool's capabilities, capacity and affinity and the run's heartbeat
 * windows (SSOT §1.5), linked to the run and pool. A worker of this name that exists already is taken over unless it
 * was shut down (then that pool is left out: a shut-down worker never comes back, SSOT §8.2); one left `busy` by a
 * killed earlier incarnation is taken over (its lost attempts fail and retry). Returns null when the run's state
 * directory is not the engine's (its marker names another engine: another machine; a run with `run.remote` needs
 * none) or no pool is left.
 */
export async function joinRun(actors: PersistedActors, db: Kysely<Database>, source: RunSourceRecord, name: string, opts: { pools?: readonly string[]; options?: Partial<EngineOptions>; onNote?: (line: string) => void } = {}): Promise<JoinedRun | null> {
  // Issue 16: a run with `run.remote` shares no folder with its workers: no marker to check.
  const plan = recordedPlan(source.plan, source.runId);
  if (plan.run.remote === undefined && !(await sameEngineMarker(source))) return null;
  const ctx = createRunContext(actors, db, plan, { ...opts.options, stateDir: source.stateDir }, await taskRetryLinks(db, plan.run.id));
  const workers: JoinedWorker[] = [];
  for (const pool of plan.workers.orchestration) {
    if (opts.pools && opts.pools.length > 0 && !opts.pools.includes(pool.id)) continue;
    const id = remoteWorkerId(ctx.ids.run, pool.id, name);
    let state = await stateOf(actors, id);
    if (state === null) {
      await actors.create('worker', id, workerInput(ctx, pool), { links: { run_id: ctx.ids.run, phase_id: plan.run.phase, pool_id: pool.id } });
      state = 'initializing';
    }
    if (state === 'initializing') await actors.send('worker', id, { type: 'registration_complete', capabilities: [...pool.capabilities] });
    else if (state === 'shutdown') continue;
    else if (state === 'busy') await takeOver(ctx, id, opts.onNote ?? (() => undefined));
    const tasks = new Map<string, PlanTask>();
    for (const ws of plan.workstreams) {
      if (pool.affinity.length > 0 && !pool.affinity.includes(ws.id)) continue;
      for (const t of ws.tasks) if (t.requires.every((c) => pool.capabilities.includes(c))) tasks.set(ctx.ids.task(t.id), t);
    }
    workers.push({ id, pool, workstreamIds: pool.affinity.map(ctx.ids.workstream), tasks });
  }
  return workers.length > 0 ? { ctx, workers } : null;
}
