/**
 * The Gantry contender of bench/task-lifecycle.bench.ts: no-op task lifecycles through PersistedActors on
 * PostgreSQL, every step an audited row. Producers create tasks in batches and queue them at once (`createMany`
 * with `then: [scheduler_assigned]`: one transaction per batch, each task's row written once in `queued`, its
 * creation and `scheduler_assigned` audit rows both written); claim loops take many queued tasks per `claim` (one transaction:
 * `FOR UPDATE SKIP LOCKED` + `worker_started` → `running`), then send `execution_completed` (→ `validating`) and
 * `validation_passed` (→ `completed`) for all of them at once, so the group committer writes both steps of a whole
 * claim (and of concurrent claim loops) in one statement, each row once (`report`).
 */
import { sql } from 'kysely';
import { PersistedActors, verifyAudit } from '../../actors/index.js';
import { createDatabase, migrateToLatest } from '../../persistence/index.js';
import { Meter, type RunConfig, type RunResult } from './meter.js';

/** Audited rows one lifecycle writes: the creation row and four transitions. */
export const ROWS_PER_LIFECYCLE = 5;

/** Extra knobs of the Gantry contender. */
export interface GantryOptions {
  /** Producer loops creating and enqueuing batches; default 8. */
  readonly producers?: number;
  /** Pool size of the producers' side; default 16. */
  readonly producerPool?: number;
  /** Pool size of the workers' side; default 8. */
  readonly workerPool?: number;
  /**
   * `many` (default): `PersistedActors.createMany`, one transaction per batch. `each`: `PersistedActors.create`, one
   * transaction per task (as before `createMany`, for comparison). Every hash chain is verified after the run.
   */
  readonly create?: 'many' | 'each';
  /**
   * `together` (default): a worker reports a no-op task's `execution_completed` and `validation_passed` at once
   * (two sends, not awaited in between), so the group committer coalesces them: the row written once, two audit
   * rows. `stepwise`: the second send waits for the first's commit (two row writes).
   */
  readonly report?: 'together' | 'stepwise';
  /**
   * `needed` (default): a producer's ring wakes as many idle claim loops as its batch needs (one per `claim` tasks).
   * `all`: every idle loop (as before 2026-12-04 evening: they all claim at once, all but one for nothing).
   */
  readonly wake?: 'needed' | 'all';
  /** How long an idle claim loop waits for a ring before claiming anyway, ms; default 200 (`gantry worker`'s poll). */
  readonly pollMs?: number;
  /** Statements run after migrating, before the clock starts: the engine on a variant of the schema (issue 14). */
  readonly schemaDdl?: readonly string[];
}

/**
 * Wakes idle claim loops when a producer enqueued (in-process: producers and workers share the process), as many as
 * there is work for: `ring(n)` wakes up to `n` waiting loops, and a ring no loop was waiting for is kept (up to `max`)
 * for the next loop about to wait, so a loop between an empty claim and its wait does not sleep through it.
 */
class Wake {
  private readonly waiters = new Set<() => void>();
  private pending = 0;
  constructor(private readonly max: number) {}
  /** Resolves at a ring, or after `ms` (the fallback poll). */
  wait(ms: number): Promise<void> {
    if (this.pending > 0) {
      this.pending--;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.waiters.add(done);
    });
  }
  ring(n: number): void {
    for (const w of [...this.waiters].slice(0, n)) {
      w();
      n--;
    }
    this.pending = Math.min(this.max, this.pending + n);
  }
}

/** Runs the Gantry contender once in `cfg.schema` (created, then dropped) and returns its result. */
export async function runGantry(cfg: RunConfig, opts: GantryOptions = {}): Promise<RunResult> {
  const settings = {
    producers: opts.producers ?? 8, producerPool: opts.producerPool ?? 16, workerPool: opts.workerPool ?? 8, create: opts.create ?? 'many', report: opts.report ?? 'together',
    // The ring, not the poll, starts a claim as soon as a batch is queued; the poll is `gantry worker`'s default (engine/worker-process.ts).
    wake: opts.wake ?? 'needed', pollMs: opts.pollMs ?? 200,
  };
  // Two sides with their own pools and actor systems, as enqueuing clients and workers are in a deployment: creations
  // (a transaction per batch) then never queue the workers' commits behind them in one pool.
  const handle = await createDatabase({ url: cfg.url, schema: cfg.schema, max: settings.producerPool });
  const workerHandle = await createDatabase({ url: cfg.url, schema: cfg.schema, max: settings.workerPool });
  try {
    await migrateToLatest(handle.db);
    for (const statement of opts.schemaDdl ?? []) await sql.raw(statement).execute(handle.db);
    const cacheSize = Math.max(10_000, cfg.backlog * 4);
    const actors = new PersistedActors({ db: handle.db, cacheSize });
    const workerActors = new PersistedActors({ db: workerHandle.db, cacheSize });
    const wake = new Wake(settings.wake === 'all' ? 0 : cfg.workers);
    // Claim loops a batch needs: one per `claim` tasks.
    const loopsPerBatch = settings.wake === 'all' ? cfg.workers : Math.max(1, Math.ceil(cfg.batch / cfg.claim));
    const enqueuedAt = new Map<string, number>();
    const meter = new Meter(cfg);
    let seq = 0;

    const produce = async (): Promise<void> => {
      while (!meter.done()) {
        await meter.room();
        if (meter.done()) break;
        meter.enqueued += cfg.batch;
        const ids = Array.from({ length: cfg.batch }, () => `t-${seq++}`);
        const t = performance.now();
        for (const id of ids) enqueuedAt.set(id, t);
        if (settings.create === 'many') {
          // Created and queued at once (`then`): one transaction, the row written once, both audit rows.
          await actors.createMany(ids.map((id) => ({ entityType: 'task' as const, id, then: [{ type: 'scheduler_assigned' as const }] })));
        } else {
          await Promise.all(ids.map((id) => actors.create('task', id, {})));
          await Promise.all(ids.map((id) => actors.send('task', id, { type: 'scheduler_assigned' })));
        }
        wake.ring(loopsPerBatch);
      }
    };

    const work = async (k: number): Promise<void> => {
      const workerId = `bench-worker-${k}`;
      while (!meter.done()) {
        const claimed = await workerActors.claim({ workerId, capabilities: [], limit: cfg.claim });
        const now = performance.now();
        if (claimed.length === 0) {
          await wake.wait(settings.pollMs);
          continue;
        }
        for (const c of claimed) {
          meter.start(enqueuedAt.get(c.id)!, now);
          enqueuedAt.delete(c.id);
        }
        if (settings.report === 'together') {
          // Both sends queued in this tick: one batch, each task's row written once (persistence/commit-transitions.ts).
          await Promise.all(claimed.flatMap((c) => [
            workerActors.send('task', c.id, { type: 'execution_completed', exit_code: 0 }),
            workerActors.send('task', c.id, { type: 'validation_passed' }),
          ]));
        } else {
          await Promise.all(claimed.map((c) => workerActors.send('task', c.id, { type: 'execution_completed', exit_code: 0 })));
          await Promise.all(claimed.map((c) => workerActors.send('task', c.id, { type: 'validation_passed' })));
        }
        meter.complete(claimed.length);
      }
    };

    await Promise.all([
      ...Array.from({ length: settings.producers }, produce),
      ...Array.from({ length: cfg.workers }, (_, k) => work(k)),
    ]);
    await actors.close();
    await workerActors.close();
    const v = await verifyAudit(handle.db, { entityType: 'task' });
    if (!v.ok) throw new Error(`audit chain broken: ${JSON.stringify(v.firstBroken)}`);
    return meter.result(settings.create === 'each' ? 'gantry-create-each' : 'gantry', 'main', { ...settings, claimLoops: cfg.workers, claimLimit: cfg.claim, rowsPerLifecycle: ROWS_PER_LIFECYCLE });
  } finally {
    await workerHandle.close();
    await sql`drop schema if exists ${sql.id(cfg.schema)} cascade`.execute(handle.db);
    await handle.close();
  }
}
