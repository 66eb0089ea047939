import { touchRunEngine } from '../persistence/index.js';
import { heartbeatMs, localWorkerIds, type RunContext } from './run-context.js';
import { beatWorker, watchWorkers } from './watch-workers.js';
import { beatUetWorkers, watchUetWorkers } from './watch-uet-workers.js';
import { WorkerlessNotice } from './workerless-notice.js';

/** Consecutive failed ticks after which the pulse gives up and halts the run. */
const MAX_MISSED_TICKS = 3;

/** A running pulse; `stop()` ends it and rethrows the error that made it give up. */
export interface RunPulse {
  stop(): Promise<void>;
}

/**
 * The engine's pulse while it drives a run, every heartbeat interval (SSOT §1.5): marks the engine alive in
 * `run_sources` (workers only join runs whose engine is alive), beats for the engine's own workers (orchestration and UET), and runs
 * the worker watchdogs ({@link watchWorkers}, {@link watchUetWorkers}); with `--external-workers` it says when tasks wait and no worker is alive
 * ({@link WorkerlessNotice}). What it finds goes to `onNote`. The first tick runs before this resolves, so the engine's workers are fresh
 * when the first task is claimed. A failed tick is retried at the next interval; after three in a row the pulse gives
 * up: it sets `ctx.halt` so the lanes stop at their next step with that error (the run stays resumable), and `stop()`
 * throws it.
 */
export async function startRunPulse(ctx: RunContext, onNote: (note: string) => void = () => undefined): Promise<RunPulse> {
  const every = heartbeatMs(ctx);
  const locals = ctx.options.localWorkers === false ? [] : localWorkerIds(ctx);
  const workerless = new WorkerlessNotice();
  const tick = async (): Promise<void> => {
    await touchRunEngine(ctx.db, ctx.ids.run, new Date(ctx.clock.now()));
    for (const id of locals) await beatWorker(ctx, id);
    for (const note of await watchWorkers(ctx, ctx.clock.now())) onNote(note);
    // SSOT §2.1: the engine's UET workers beat like its orchestration workers (after their watchdog, which must follow
    // their beats closely); the UET watchdog judges at the time before this beat, so a slow tick on a loaded machine
    // never makes a worker this engine beats look lost.
    const beatAt = ctx.clock.now();
    await beatUetWorkers(ctx);
    for (const note of await watchUetWorkers(ctx, beatAt)) onNote(note);
    // A notice, not the pulse's job: its query failing never counts as a missed tick.
    const waiting = await workerless.check(ctx, ctx.clock.now()).catch(() => null);
    if (waiting) onNote(waiting);
  };
  await tick();
  let stopped = false;
  let misses = 0;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, every);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped) return;
      try {
        await tick();
        misses = 0;
      } catch (err) {
        // A passing database hiccup is retried next interval; three in a row halt the run (resumable) with the error.
        if (++misses < MAX_MISSED_TICKS) continue;
        failure = err;
        ctx.halt.error = err;
        ctx.changes.notify();
        return;
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      (wake as (() => void) | null)?.();
      await loop;
      if (failure) throw failure;
    },
  };
}
