import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { PersistedActors } from '../actors/index.js';
import type { SendEventOf } from '../machines/index.js';
import { liveRunSources, type Database } from '../persistence/index.js';
import { recordedPlan } from '../plan/index.js';
import { joinRun, worktreeOf, type JoinedRun, type JoinedWorker } from './join-run.js';
import { runClaimedTask, drawJitter } from './run-claimed-task.js';
import { heartbeatMs, type EngineOptions } from './run-context.js';
import { clockOf } from './clock.js';
import { sendAccepted } from './send-accepted.js';
import { sleep } from './sleep.js';
import { beatWorker } from './watch-workers.js';
import { dropRemoteClones, runRemoteAttempt } from './remote-attempt.js';

/** Settings of a `gantry worker` process. */
export interface WorkerProcessOptions {
  /** The process's name in worker ids (`R.<pool>.w-<name>`); default `<host>-<pid>`. */
  readonly name?: string;
  /** Pool ids to join; default every pool of every run. */
  readonly pools?: readonly string[];
  /** Only this run; default every live run. */
  readonly runId?: string;
  /** How often to look for runs and claimable tasks; default 200 ms. */
  readonly pollMs?: number;
  /** When aborted: no new claims, the tasks in flight finish, then the workers shut down (SSOT §1.5). */
  readonly signal?: AbortSignal;
  /** Engine settings for the tasks (kill grace, jitter, clock: default the actors'). */
  readonly engine?: Partial<Pick<EngineOptions, 'killGraceMs' | 'jitter' | 'clock'>>;
  /**
   * This process's own folder for runs with `run.remote` (issue 16): it clones the remote there and runs their tasks
   * in its clones, sharing no folder with the engine (a run's clones are removed when the process leaves the run);
   * default none (such runs are not joined).
   */
  readonly workDir?: string;
  /** Sees one line per notable step (joined a run, claimed a task, its outcome, shut down). */
  readonly onNote?: (line: string) => void;
}

/** What a worker process did. */
export interface WorkerProcessSummary {
  readonly name: string;
  readonly runsJoined: readonly string[];
  readonly tasksRun: number;
}

/**
 * A `gantry worker` process (docs/design/plan.md): joins the pools of the live runs in a shared PostgreSQL database (a run is live
 * while its engine's pulse is fresh, see `startRunPulse`), keeps its workers beating every heartbeat interval, claims
 * queued tasks its workers may take (capabilities, affinity, spare capacity; `FOR UPDATE SKIP LOCKED`, so the engine
 * and every other worker process never get the same task) and runs them in the run's worktrees with
 * {@link runClaimedTask}. Patches, gates and merges stay with the engine. Runs until `signal` aborts, then finishes the
 * tasks in flight and shuts its workers down. An unexpected error stops it (after the tasks in flight) and is thrown.
 */
export async function runWorkerProcess(actors: PersistedActors, db: Kysely<Database>, opts: WorkerProcessOptions = {}): Promise<WorkerProcessSummary> {
  const name = opts.name ?? `${hostname()}-${process.pid}`;
  const note = opts.onNote ?? (() => undefined);
  const clock = opts.engine?.clock ?? clockOf(actors);
  const joined = new Map<string, JoinedRun & { readonly key: string }>();
  const skipped = new Set<string>();
  const inflight = new Map<string, Set<Promise<void>>>();
  const lastBeat = new Map<string, number>();
  const runsJoined: string[] = [];
  let tasksRun = 0;
  let failure: unknown = null;
  const busyIn = (run: JoinedRun) => run.workers.reduce((n, w) => n + (inflight.get(w.id)?.size ?? 0), 0);

  const start = (run: JoinedRun, w: JoinedWorker, taskId: string, claimVersion: number): void => {
    const task = w.tasks.get(taskId);
    const set = inflight.get(w.id) ?? new Set();
    inflight.set(w.id, set);
    const p = (async () => {
      if (!task) throw new Error(`claimed task ${taskId} is not in the plan of run ${run.ctx.ids.run}`);
      if (run.ctx.plan.run.remote !== undefined && opts.workDir !== undefined) {
        // Issue 16: the task runs in this process's clone of the remote; its diff goes back through the database.
        const ok = await runRemoteAttempt(run.ctx, task, w.id, claimVersion, { workDir: opts.workDir });
        tasksRun++;
        note(`task ${taskId}: ${ok ? 'succeeded' : 'did not succeed'} on ${w.id}`);
        return;
      }
      const wt = worktreeOf(run.ctx, task.workstream);
      if (!existsSync(wt)) {
        // Not this machine's worktree after all: fail this attempt (pinned to the claim) and stop claiming in the run.
        skipped.add(run.ctx.ids.run);
        note(`run ${run.ctx.ids.run}: worktree ${wt} is not on this machine; no more claims in this run`);
        await sendPinned(run, taskId, { type: 'execution_failed', error: `worktree ${wt} is not on the machine of ${w.id}`, jitter: drawJitter(run.ctx) }, claimVersion);
        return;
      }
      const ok = await runClaimedTask(run.ctx, task, w.id, wt, claimVersion);
      tasksRun++;
      note(`task ${taskId}: ${ok ? 'succeeded' : 'did not succeed'} on ${w.id}`);
    })()
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => set.delete(p));
    set.add(p);
  };

  // Heartbeats on their own timer (SSOT §1.5), every joined worker every interval, until the tasks in flight have
  // settled and the workers are shut down — also while the process drains after Ctrl-C.
  const beat = async (): Promise<void> => {
    for (const run of joined.values()) {
      for (const w of run.workers) {
        if (clock.now() - (lastBeat.get(w.id) ?? 0) < heartbeatMs(run.ctx)) continue;
        lastBeat.set(w.id, clock.now());
        await beatWorker(run.ctx, w.id);
      }
    }
  };
  let beating = Promise.resolve();
  const beatTimer = setInterval(() => {
    beating = beating.then(beat).catch((err: unknown) => {
      failure ??= err;
    });
  }, 100);

  const poll = async (): Promise<void> => {
    const now = new Date(clock.now());
    for (const source of await liveRunSources(db, now, 24 * 3600_000)) {
      if (opts.runId && source.runId !== opts.runId) continue;
      const plan = recordedPlan(source.plan, source.runId);
      // A run is live while its engine's pulse is fresh: 3 heartbeat intervals.
      if (now.getTime() - (source.engineHeartbeatAt?.getTime() ?? 0) > 3 * plan.workers.heartbeat_interval_sec * 1000) continue;
      const key = `${source.engineHost}:${source.enginePid}:${source.stateDir}`;
      const current = joined.get(source.runId);
      // A resumed engine (another pid, plan or state directory): join again once this process's tasks there settled.
      if (current && current.key !== key && busyIn(current) === 0) joined.delete(source.runId);
      if (!joined.has(source.runId) && !skipped.has(source.runId)) {
        if (plan.run.remote !== undefined && opts.workDir === undefined) {
          skipped.add(source.runId);
          note(`run ${source.runId}: not joined (it works on the remote ${plan.run.remote}: start gantry worker with --work-dir DIR to join it)`);
          continue;
        }
        const run = await joinRun(actors, db, source, name, { pools: opts.pools, options: opts.engine ?? {}, onNote: note });
        if (!run) {
          skipped.add(source.runId);
          note(`run ${source.runId}: not joined (its state directory ${source.stateDir} is not this machine's, or no pool to join)`);
          continue;
        }
        joined.set(source.runId, { ...run, key });
        if (!runsJoined.includes(source.runId)) runsJoined.push(source.runId);
        note(`run ${source.runId}: joined as ${run.workers.map((w) => w.id).join(', ')}`);
      }
    }
    for (const [runId, run] of joined) {
      const runState = (await actors.load('run', runId)).state;
      for (const w of run.workers) {
        const state = (await actors.load('worker', w.id)).state;
        if (runState !== 'running' || skipped.has(runId) || (state !== 'idle' && state !== 'busy')) continue;
        const spare = w.pool.max_concurrent_tasks - (inflight.get(w.id)?.size ?? 0);
        if (spare <= 0 || opts.signal?.aborted) continue;
        const claimed = await actors.claim({ workerId: w.id, capabilities: w.pool.capabilities, limit: spare, runId, ...(w.workstreamIds.length > 0 ? { workstreamIds: w.workstreamIds } : {}) });
        for (const c of claimed) {
          note(`task ${c.id}: claimed by ${w.id}`);
          start(run, w, c.id, c.version);
        }
      }
      if ((runState !== 'running' || skipped.has(runId)) && busyIn(run) === 0) {
        joined.delete(runId);
        await shutDown(run, runState !== 'running' ? `run ${runState}` : 'left the run', note);
        // Issue 16: this process's clones of the run's remote go with it (the work is on the remote by now).
        if (run.ctx.plan.run.remote !== undefined && opts.workDir !== undefined) await dropRemoteClones(opts.workDir, runId);
        note(`run ${runId}: ${runState}, left`);
      }
    }
  };

  try {
    while (!opts.signal?.aborted && failure === null) {
      try {
        await poll();
      } catch (err) {
        failure = err;
        break;
      }
      await sleep(opts.pollMs ?? 200);
    }
    await Promise.all([...inflight.values()].flatMap((s) => [...s]));
    for (const run of joined.values()) await shutDown(run, failure ? 'worker process failed' : 'worker process stopped', note);
  } finally {
    clearInterval(beatTimer);
    await beating;
  }
  if (failure) throw failure;
  return { name, runsJoined, tasksRun };
}

/** Sends `event` to a task only while it is still at `version` (the claim's attempt) and its machine takes it; else nothing. */
async function sendPinned(run: JoinedRun, taskId: string, event: SendEventOf<'task'>, version: number): Promise<void> {
  await sendAccepted(run.ctx, 'task', taskId, [event], { expectedVersion: version });
}

/** Shuts this process's workers of a run down (`shutdown_requested`, SSOT §1.5) where their machines take it; already shut down or lost: nothing. */
async function shutDown(run: JoinedRun, reason: string, note: (line: string) => void): Promise<void> {
  for (const w of run.workers) {
    if (await sendAccepted(run.ctx, 'worker', w.id, [{ type: 'shutdown_requested' }], { reason })) note(`worker ${w.id}: shut down (${reason})`);
  }
}
