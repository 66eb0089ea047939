import { isAbsolute, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { PersistedActors } from '../actors/index.js';
import { revParse } from '../git/index.js';
import { EntityNotFoundError, type Database } from '../persistence/index.js';
import { planOrder, type Plan } from '../plan/index.js';
import { runIds } from './entity-ids.js';
import { RunSetupError } from './errors.js';
import { ensurePhase } from './insert-patch.js';
import { Mutex } from './mutex.js';
import type { EngineOptions, RunContext } from './run-context.js';

/** Checks what must hold before anything is written: the repository and target branch exist, the run id is new. */
async function preflight(actors: PersistedActors, plan: Plan): Promise<void> {
  try {
    await revParse(plan.run.repository, `refs/heads/${plan.run.target_branch}`);
  } catch (err) {
    throw new RunSetupError(`repository ${plan.run.repository} has no branch '${plan.run.target_branch}'`, { cause: err });
  }
  try {
    await actors.load('run', plan.run.id);
  } catch (err) {
    if (err instanceof EntityNotFoundError) return;
    throw err;
  }
  throw new RunSetupError(`run ${plan.run.id} already exists (use a new run id)`);
}

/**
 * Starts a run of a validated plan (engine.md §1): creates the run and every entity with namespaced ids and links,
 * registers the workers, spawns the UET workers, sends the run `start` and each workstream's first event
 * (`skip`, `tasks_created` or `dependency_unmet`). Worktrees are created later, when a workstream's first task runs.
 */
export async function startRun(actors: PersistedActors, db: Kysely<Database>, plan: Plan, options: EngineOptions, opts: { resume?: boolean } = {}): Promise<RunContext> {
  if (!opts.resume) await preflight(actors, plan);
  const ids = runIds(plan.run.id);
  const run_id = ids.run;
  // On resume (a crash may have stopped the setup half way) only what is missing is created and only the first
  // events not yet taken are sent; on a fresh run every entity is new.
  const state = async (type: string, id: string): Promise<string | null> => {
    try {
      return (await actors.load(type, id)).state;
    } catch (err) {
      if (err instanceof EntityNotFoundError) return null;
      throw err;
    }
  };
  const create: PersistedActors['create'] = async (type, id, input, o) => (opts.resume && (await state(type, id)) !== null ? actors.load(type, id) : actors.create(type, id, input, o));
  await ensurePhase(db, plan.run.phase);
  await create('run', run_id, {}, { links: { phase_id: plan.run.phase } });
  for (const [tool, cfg] of Object.entries(plan.circuit_breakers.tools)) {
    await create('circuit_breaker', ids.breaker(tool), { ...cfg });
  }
  for (const pool of plan.workers.orchestration) {
    for (const w of pool.worker_ids) {
      const input = { max_concurrent_tasks: pool.max_concurrent_tasks, affinity: pool.affinity.map(ids.workstream) };
      await create('worker', ids.worker(w), input, { links: { run_id, pool_id: pool.id } });
      if ((await state('worker', ids.worker(w))) === 'initializing') await actors.send('worker', ids.worker(w), { type: 'registration_complete', capabilities: [...pool.capabilities] });
    }
  }
  for (let n = 1; n <= plan.workers.uet.count; n++) {
    await create('uet_worker', ids.uetWorker(n), {}, { links: { run_id } });
    if ((await state('uet_worker', ids.uetWorker(n))) === 'SPAWNING') await actors.send('uet_worker', ids.uetWorker(n), { type: 'spawn_complete' });
  }
  for (const ws of plan.workstreams) {
    const input = { planned_task_count: ws.tasks.length, depends_on: ws.depends_on.map(ids.workstream), critical: ws.critical };
    await create('workstream', ids.workstream(ws.id), input, { links: { run_id } });
    for (const t of ws.tasks) {
      await create(
        'task',
        ids.task(t.id),
        {
          depends_on: t.depends_on.map(ids.task),
          gate_dependencies: [...t.gates],
          required_capabilities: [...t.requires],
          is_critical: t.critical,
          max_retries: t.max_retries,
          timeout_sec: t.timeout_sec,
          expected_exit: [...t.expect_exit],
          backoff: { base_ms: plan.retry.backoff_base_ms, cap_ms: plan.retry.backoff_cap_ms },
        },
        { links: { run_id, workstream_id: ids.workstream(ws.id) } },
      );
    }
  }
  if ((await state('run', run_id)) === 'pending') await actors.send('run', run_id, { type: 'start' });
  const stateDir = isAbsolute(options.stateDir) ? options.stateDir : resolve(options.stateDir);
  const ctx: RunContext = { plan, order: planOrder(plan), ids, actors, db, options, stateDir, worktrees: new Map(), ledgers: new Map(), cursors: { worker: 0, uet: 0 }, lock: new Mutex(), slots: new Map() };
  for (const wsId of ctx.order.workstreams) {
    const ws = plan.workstreams.find((w) => w.id === wsId)!;
    const id = ids.workstream(ws.id);
    if ((await state('workstream', id)) !== 'planned') continue;
    if (ws.skip) await actors.send('workstream', id, { type: 'skip', reason: 'skipped by the plan' });
    else if (ws.depends_on.length === 0) await actors.send('workstream', id, { type: 'tasks_created', task_count: ws.tasks.length, dependencies: {} });
    else {
      const dependencies: Record<string, string> = {};
      for (const d of ws.depends_on) dependencies[ids.workstream(d)] = (await actors.load('workstream', ids.workstream(d))).state;
      await actors.send('workstream', id, { type: 'dependency_unmet', dependencies });
    }
  }
  return ctx;
}
