import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { planSha256, type CreateItem, type PersistedActors } from '../actors/index.js';
import type { EntityType, TaskInput } from '../machines/index.js';
import { recordTargetHead, revParse } from '../git/index.js';
import { ensurePhase, EntityNotFoundError, taskRetryLinks, upsertRunSource, type Database } from '../persistence/index.js';
import { planOrder, type Plan, type PlanTask } from '../plan/index.js';
import { runIds } from './entity-ids.js';
import { RunSetupError } from './errors.js';
import { ChangeSignal } from './change-signal.js';
import { Mutex } from './mutex.js';
import { clockOf } from './clock.js';
import { engineMarkerPath, heartbeatMs, type EngineOptions, type RunContext } from './run-context.js';
import { SandboxUnavailableError } from '../exec/index.js';
import { checkRunSandbox, type SandboxDecision } from './task-sandbox.js';
import { prepareEngineClone, withEngineClone } from './remote-repository.js';

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
 * The context one run's steps share, in the engine or in a `gantry worker` process (no entity is touched); `retries`
 * (retried task → its retry, see `taskRetryLinks`) makes a reset task's retry the task the engine drives; default none.
 */
export function createRunContext(actors: PersistedActors, db: Kysely<Database>, plan: Plan, options: EngineOptions, retries?: ReadonlyMap<string, string>): RunContext {
  const stateDir = isAbsolute(options.stateDir) ? options.stateDir : resolve(options.stateDir);
  // With `run.remote` and no repository, the engine works in its own clone of the remote (issue 16).
  plan = withEngineClone(plan, stateDir);
  const links = new Map(retries ?? []);
  return { plan, order: planOrder(plan), ids: runIds(plan.run.id, links), retries: links, actors, db, options, clock: options.clock ?? clockOf(actors), stateDir, worktrees: new Map(), ledgers: new Map(), cursors: { worker: 0, uet: 0 }, lock: new Mutex(), slots: new Map(), changes: new ChangeSignal(), halt: { error: null } };
}

/** The machine input of plan task `t`'s entity: its dependencies (their current entities), gates, capabilities and limits. */
export function taskEntityInput(ctx: Pick<RunContext, 'plan' | 'ids'>, t: PlanTask): Omit<TaskInput, 'now'> {
  return {
    depends_on: t.depends_on.map(ctx.ids.task),
    gate_dependencies: [...t.gates],
    required_capabilities: [...t.requires],
    is_critical: t.critical,
    max_retries: t.max_retries,
    timeout_sec: t.timeout_sec,
    expected_exit: [...t.expect_exit],
    backoff: { base_ms: ctx.plan.retry.backoff_base_ms, cap_ms: ctx.plan.retry.backoff_cap_ms },
  };
}

/** The input of an orchestration worker of `pool` in this run: capacity, affinity and the heartbeat windows (SSOT §1.5). */
export function workerInput(ctx: Pick<RunContext, 'plan' | 'options' | 'ids'>, pool: Plan['workers']['orchestration'][number]): Record<string, unknown> {
  return {
    max_concurrent_tasks: pool.max_concurrent_tasks,
    affinity: pool.affinity.map(ctx.ids.workstream),
    heartbeat_timeout_ms: Math.ceil(2 * heartbeatMs(ctx)),
    recovery_timeout_ms: Math.ceil(ctx.plan.workers.recovery_timeout_sec * 1000),
  };
}

/**
 * Starts a run of a validated plan (docs/design/engine.md §1): creates the run and every entity with namespaced ids and links,
 * registers the workers, spawns the UET workers, sends the run `start` and each workstream's first event
 * (`skip`, `tasks_created` or `dependency_unmet`). Worktrees are created later, when a workstream's first task runs.
 * The run's source (plan, plan file, state directory, this engine's host and pid) is recorded in `run_sources` first.
 * With `localWorkers: false` the plan's pool workers are not created: `gantry worker` processes bring their own.
 * First of all the sandbox is checked (`checkRunSandbox`): a plan that requires bubblewrap where it does not work is
 * refused with `RunSetupError` (saying how to install it); the decision goes into the metadata of the run's `start`.
 */
export async function startRun(actors: PersistedActors, db: Kysely<Database>, plan: Plan, options: EngineOptions, opts: { resume?: boolean } = {}): Promise<RunContext> {
  let sandbox: SandboxDecision;
  try {
    sandbox = await checkRunSandbox(options, plan);
  } catch (err) {
    if (err instanceof SandboxUnavailableError) throw new RunSetupError(`run ${plan.run.id}: ${err.message}`, { cause: err });
    throw err;
  }
  if (!opts.resume) {
    // Issue 16: with `run.remote` the engine's clone (in the state directory) is made and fetched first.
    const effective = withEngineClone(plan, isAbsolute(options.stateDir) ? options.stateDir : resolve(options.stateDir));
    await prepareEngineClone(effective);
    await preflight(actors, effective);
    // What the run starts from: a merge refuses a target branch that moved otherwise (git/target-record.ts).
    await recordTargetHead(effective.run.repository, effective.run.target_branch);
  }
  // A resumed run drives the retries an operator created for ended tasks (`override reset-task`, SSOT §8.2.3).
  const ctx = createRunContext(actors, db, plan, options, opts.resume ? await taskRetryLinks(db, plan.run.id) : undefined);
  const ids = ctx.ids;
  const run_id = ids.run;
  const source = { runId: run_id, plan, planFile: options.planFile ? resolve(options.planFile) : null, stateDir: ctx.stateDir };
  await upsertRunSource(db, { ...source, engineHost: hostname(), enginePid: process.pid }, new Date(ctx.clock.now()));
  // The marker `gantry worker` processes check: the state directory they see is this engine's (docs/design/engine.md §1).
  const marker = engineMarkerPath(ctx.stateDir, run_id);
  await mkdir(dirname(marker), { recursive: true });
  await writeFile(marker, `${JSON.stringify({ run_id, engine_host: hostname(), engine_pid: process.pid })}\n`);
  // On resume (a crash may have stopped the setup half way) only what is missing is created and only the first
  // events not yet taken are sent; on a fresh run every entity is new.
  const state = async (type: EntityType, id: string): Promise<string | null> => {
    try {
      return (await actors.load(type, id)).state;
    } catch (err) {
      if (err instanceof EntityNotFoundError) return null;
      throw err;
    }
  };
  await ensurePhase(db, plan.run.phase, plan.run.phase_policy); // SSOT §2.2: the phase row holds the policy
  // Every entity of the run in one batched creation (one transaction): links point at rows created before them.
  const phase_id = plan.run.phase;
  const items: CreateItem[] = [{ entityType: 'run', id: run_id, links: { phase_id } }];
  for (const [tool, cfg] of Object.entries(plan.circuit_breakers.tools)) items.push({ entityType: 'circuit_breaker', id: ids.breaker(tool), input: { ...cfg }, links: { run_id, phase_id } });
  const pools = options.localWorkers === false ? [] : plan.workers.orchestration;
  for (const pool of pools) {
    for (const w of pool.worker_ids) items.push({ entityType: 'worker', id: ids.worker(w), input: workerInput(ctx, pool), links: { run_id, phase_id, pool_id: pool.id } });
  }
  for (let n = 1; n <= plan.workers.uet.count; n++) items.push({ entityType: 'uet_worker', id: ids.uetWorker(n), links: { run_id, phase_id } });
  for (const ws of plan.workstreams) {
    const input = { planned_task_count: ws.tasks.length, depends_on: ws.depends_on.map(ids.workstream), critical: ws.critical, on_conflict: ws.on_conflict, max_conflict_rounds: ws.max_conflict_rounds };
    items.push({ entityType: 'workstream', id: ids.workstream(ws.id), input, links: { run_id, phase_id } });
    for (const t of ws.tasks) {
      items.push({
        entityType: 'task',
        id: ids.task(t.id),
        input: taskEntityInput(ctx, t),
        links: { run_id, workstream_id: ids.workstream(ws.id), phase_id },
      });
    }
  }
  const missing: CreateItem[] = [];
  for (const item of items) if (!opts.resume || (await state(item.entityType, item.id)) === null) missing.push(item);
  if (missing.length > 0) await actors.createMany(missing);
  // Registration and spawn, concurrently (the group committer writes them together).
  const setup: Promise<unknown>[] = [];
  for (const pool of pools) {
    for (const w of pool.worker_ids) {
      if ((await state('worker', ids.worker(w))) === 'initializing') setup.push(actors.send('worker', ids.worker(w), { type: 'registration_complete', capabilities: [...pool.capabilities] }));
    }
  }
  for (let n = 1; n <= plan.workers.uet.count; n++) {
    if ((await state('uet_worker', ids.uetWorker(n))) === 'SPAWNING') setup.push(actors.send('uet_worker', ids.uetWorker(n), { type: 'spawn_complete' }));
  }
  await Promise.all(setup);
  // The audit says how this run's commands were contained (the warning of `sandbox: auto` without bubblewrap too),
  // and the recorded plan's hash, which `audit verify` recomputes (issue 11).
  const metadata = { sandbox: sandbox.sandbox, sandbox_reason: sandbox.reason, plan_sha256: planSha256(source.plan) };
  if ((await state('run', run_id)) === 'pending') await actors.send('run', run_id, { type: 'start' }, { metadata });
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
