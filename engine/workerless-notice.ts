import { runWorkload } from '../persistence/index.js';
import { heartbeatMs, type RunContext } from './run-context.js';

/** How often the notice is repeated while tasks still wait with no worker; default 60 s. */
const REPEAT_MS = 60_000;

/**
 * With `localWorkers: false` (`gantry run --external-workers`) every task waits for a `gantry worker` process. This
 * watches for the case where tasks are queued and no worker of the run is alive (idle or busy, a heartbeat within
 * two intervals), and says so — at once, then every minute while it lasts — instead of waiting in silence. Once a
 * worker has joined and gone again it says so too, since the run will not move until one comes back.
 */
export class WorkerlessNotice {
  private lastSaid: number | null = null;

  constructor(private readonly repeatMs = REPEAT_MS) {}

  /** The note to print at `now` (ms since the epoch), or null: nothing waits, a worker is alive, or it was said lately. */
  async check(ctx: Pick<RunContext, 'db' | 'ids' | 'plan' | 'options'>, now: number): Promise<string | null> {
    if (ctx.options.localWorkers !== false) return null;
    const w = await runWorkload(ctx.db, ctx.ids.run, new Date(now - 2 * heartbeatMs(ctx)));
    if (w.queued === 0 || w.liveWorkers > 0) {
      this.lastSaid = null;
      return null;
    }
    if (this.lastSaid !== null && now - this.lastSaid < this.repeatMs) return null;
    this.lastSaid = now;
    const tasks = w.queued === 1 ? '1 task is' : `${w.queued} tasks are`;
    return `no gantry worker is alive: start one with \`gantry worker --db URL\` on this database (${tasks} queued in run ${ctx.ids.run}, --external-workers)`;
  }
}
