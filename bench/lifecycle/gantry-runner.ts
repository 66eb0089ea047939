/**
 * The Gantry contender's own process (spawned by bench/lifecycle/competitors.ts like the competitors' runners, so
 * every contender starts from a fresh heap with its own V8 flags): argv[2] is the run configuration as JSON, with
 * `mode` `lifecycle` (default: bench/lifecycle/gantry-lifecycle.ts), `phases` (below) or `schema-ceiling`
 * (bench/lifecycle/schema-ceiling.ts); prints one JSON result line.
 *
 * Phases — where a Gantry lifecycle's time goes: each step of the no-op lifecycle timed on its own for a batch of
 * tasks (`createMany` in batches of `claim`, 8 at a time — and, for comparison, as many `create`s at once on other
 * ids, left pending —, then all `scheduler_assigned` at once, claims of `claim` tasks on `loops` concurrent
 * loops, then all `execution_completed`, then all `validation_passed`), in a fresh schema dropped afterwards.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { PersistedActors } from '../../actors/index.js';
import { createDatabase, migrateToLatest } from '../../persistence/index.js';
import { runGantry, type GantryOptions } from './gantry-lifecycle.js';
import { schemaCeiling } from './schema-ceiling.js';
import { median, type RunConfig } from './meter.js';

/** Rows per second of each step (median of `rounds`). */
export interface PhaseRates {
  /** `createMany` of `claim` tasks per call, 8 calls at a time (the lifecycle's producers). */
  readonly createMany: number;
  /** `create` of every task at once, one transaction each. */
  readonly create: number;
  readonly scheduler_assigned: number;
  readonly claim: number;
  readonly execution_completed: number;
  readonly validation_passed: number;
}

/** Times each step for `tasks` tasks, `rounds` times; see the file comment. */
export async function gantryPhases(url: string, schema: string, tasks = 2000, claim = 200, loops = 4, rounds = 3): Promise<PhaseRates> {
  const handle = await createDatabase({ url, schema, max: 8 });
  const rates: Record<keyof PhaseRates, number[]> = { createMany: [], create: [], scheduler_assigned: [], claim: [], execution_completed: [], validation_passed: [] };
  const timed = async (step: keyof PhaseRates, f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    rates[step].push(tasks / ((performance.now() - t0) / 1000));
  };
  try {
    await migrateToLatest(handle.db);
    const actors = new PersistedActors({ db: handle.db, cacheSize: tasks * 4 });
    for (let r = 0; r < rounds; r++) {
      const ids = Array.from({ length: tasks }, (_, i) => `p${r}-${i}`);
      await timed('create', () => Promise.all(ids.map((id) => actors.create('task', `${id}-each`, {}))));
      const batches = Array.from({ length: Math.ceil(tasks / claim) }, (_, b) => ids.slice(b * claim, (b + 1) * claim));
      await timed('createMany', async () => {
        for (let b = 0; b < batches.length; b += 8) {
          await Promise.all(batches.slice(b, b + 8).map((part) => actors.createMany(part.map((id) => ({ entityType: 'task', id })))));
        }
      });
      await timed('scheduler_assigned', () => Promise.all(ids.map((id) => actors.send('task', id, { type: 'scheduler_assigned' }))));
      const claimed: string[] = [];
      await timed('claim', () =>
        Promise.all(
          Array.from({ length: loops }, async (_, k) => {
            for (;;) {
              const got = await actors.claim({ workerId: `phase-worker-${k}`, capabilities: [], limit: claim });
              if (got.length === 0) return;
              claimed.push(...got.map((c) => c.id));
            }
          }),
        ),
      );
      if (claimed.length !== tasks) throw new Error(`claimed ${claimed.length} of ${tasks} tasks`);
      await timed('execution_completed', () => Promise.all(claimed.map((id) => actors.send('task', id, { type: 'execution_completed', exit_code: 0 }))));
      await timed('validation_passed', () => Promise.all(claimed.map((id) => actors.send('task', id, { type: 'validation_passed' }))));
    }
    await actors.close();
  } finally {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
    await handle.close();
  }
  return {
    createMany: median(rates.createMany),
    create: median(rates.create),
    scheduler_assigned: median(rates.scheduler_assigned),
    claim: median(rates.claim),
    execution_completed: median(rates.execution_completed),
    validation_passed: median(rates.validation_passed),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as RunConfig & GantryOptions & { mode?: 'lifecycle' | 'phases' | 'schema-ceiling' };
  const result =
    cfg.mode === 'phases' ? await gantryPhases(cfg.url, cfg.schema) : cfg.mode === 'schema-ceiling' ? await schemaCeiling(cfg.url, cfg.schema) : await runGantry(cfg, cfg);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
