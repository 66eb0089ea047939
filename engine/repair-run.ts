import { reapTagged } from '../exec/index.js';
import { heartbeatTimeoutOf } from '../machines/index.js';
import { runIdsInState, runLedgerPlaces, runTaskRows } from '../persistence/index.js';
import { localWorkerIds, type RunContext } from './run-context.js';
import { sendAccepted } from './send-accepted.js';
import { runTagPrefix, taskTagPrefix } from './task-sandbox.js';

/** Whether a `gantry worker` process's worker is still alive (busy or idle with a fresh heartbeat): its task goes on. */
async function remoteAlive(ctx: RunContext, locals: ReadonlySet<string>, workerId: unknown): Promise<boolean> {
  if (typeof workerId !== 'string' || locals.has(workerId)) return false;
  const w = await ctx.actors.load('worker', workerId);
  const c = w.context;
  return (w.state === 'busy' || w.state === 'idle') && c.last_heartbeat !== null && ctx.clock.now() - c.last_heartbeat <= heartbeatTimeoutOf(c);
}

/**
 * Repairs what a crash between a commit and its effects can leave (docs/design/engine.md §3 step 4), from the persisted state and
 * through each machine's own edges, never by replaying a transition. Per state:
 * - task `running` on one of the engine's workers: its process died with the engine → `execution_failed` (it retries
 *   by its own edges, or fails); on a live `gantry worker` process's worker it goes on (the driver waits for it, the
 *   watchdog fails it if that worker is lost);
 * - gate `RUNNING`: its process is gone, but that is no test result: it stays `RUNNING` and the resumed validation
 *   runs its command again (`restarted`, R-8; engine/run-gates.ts), the gate taking that run's outcome;
 * - engine worker `busy`: no task of it is live any more → `task_completed` per held task; UET `BUSY` likewise;
 *   worker `initializing` / UET `SPAWNING` (a crash during setup) are completed by the resumed setup;
 * - task `retrying` with a past `retry_at` → `retry_delay_elapsed` (a future one is waited out by the driver);
 * - ledger entries mid-pipeline and tasks `validating` are continued by the driver (`resumeValidation`), and
 *   workstreams `validating` are merged by `deriveWorkstream`.
 * Before any of it, every process of the run still alive on this machine (found by its attempt tag) is killed, except
 * those of attempts on live `gantry worker` processes. Also rebuilds the context's ledger index from the database.
 * Returns one line per repair.
 */
export async function repairRun(ctx: RunContext): Promise<string[]> {
  const notes: string[] = [];
  const run = ctx.ids.run;
  const prefix = `${run}.`;
  const ledgers = await runLedgerPlaces(ctx.db, run);
  for (const l of ledgers) {
    const ws = (l.workstream_id ?? '').slice(prefix.length);
    if (!(ctx.ledgers.get(ws) ?? []).includes(l.id)) ctx.ledgers.set(ws, [...(ctx.ledgers.get(ws) ?? []), l.id]);
  }
  const locals = new Set(localWorkerIds(ctx));
  const tasks = await runTaskRows(ctx.db, run);
  // No process of a lost attempt may run beside its retry: every process of the run still alive on this machine is
  // killed, except the attempts of live `gantry worker` processes (they go on).
  const live: string[] = [];
  for (const t of tasks) {
    const planned = ctx.plan.tasks.find((p) => ctx.ids.task(p.id) === t.id);
    if (planned && t.state === 'running' && (await remoteAlive(ctx, locals, t.worker_id))) live.push(taskTagPrefix(ctx, planned.workstream, planned.id));
  }
  const stray = await reapTagged({ match: (tag) => tag.startsWith(runTagPrefix(ctx)) && !live.some((p) => tag.startsWith(p)), label: `run ${run}` });
  if (stray.length > 0) notes.push(`killed ${stray.length} process(es) of lost attempts: ${stray.join(', ')}`);
  for (const t of tasks.filter((x) => x.state === 'running')) {
    if (await remoteAlive(ctx, locals, t.worker_id)) continue;
    const jitter = Math.min(1, Math.max(0, (ctx.options.jitter ?? Math.random)()));
    const c = await ctx.actors.send('task', t.id, { type: 'execution_failed', error: 'the engine stopped while the task ran: its process was lost', jitter }, { reason: 'repaired on resume', expectedVersion: t.version });
    notes.push(`task ${t.id}: running → ${c.to} (process lost)`);
  }
  for (const g of await runIdsInState(ctx.db, 'test_gates', run, 'RUNNING')) notes.push(`gate ${g}: RUNNING, its process lost: its command runs again (R-8)`);
  for (const w of (await runIdsInState(ctx.db, 'workers', run, 'busy')).filter((x) => locals.has(x))) {
    for (const task of (await ctx.actors.load('worker', w)).context.current_tasks) {
      await ctx.actors.send('worker', w, { type: 'task_completed', task_id: task }, { reason: 'released on resume: no live task' });
      notes.push(`worker ${w}: released ${task}`);
    }
  }
  for (const u of await runIdsInState(ctx.db, 'uet_workers', run, 'BUSY')) {
    const task = (await ctx.actors.load('uet_worker', u)).context.current_task;
    if (task === null) continue;
    await ctx.actors.send('uet_worker', u, { type: 'task_completed', task_id: task }, { reason: 'released on resume: no live task' });
    notes.push(`uet_worker ${u}: released ${task}`);
  }
  // A retry whose delay passed while the engine was down goes back to the queue; the machine's retryDue decides.
  for (const t of await runIdsInState(ctx.db, 'tasks', run, 'retrying')) {
    if (await sendAccepted(ctx, 'task', t, [{ type: 'retry_delay_elapsed' }])) notes.push(`task ${t}: retrying → queued (retry_at passed)`);
  }
  return notes;
}
