import type { Kysely } from 'kysely';
import { commitTransitions, loadEntities, OptimisticLockError, EntityNotFoundError, isSingleConnection, type Database } from '../persistence/index.js';
import { decideTransition, type Decision, type LoadedEntity, type SendMeta } from './decide-transition.js';
import { InvalidTransitionError, type SnapshotMigrations } from '../machines/index.js';
import { EntityCache } from './entity-cache.js';
import { loadedEntity } from './loaded-entity.js';
import { transitionItem } from './transition-item.js';

/** A send waiting for its batch. */
export interface PendingSend {
  readonly entityType: string;
  readonly id: string;
  readonly event: { type: string; now: number } & Record<string, unknown>;
  readonly meta: SendMeta;
  readonly expectedVersion: number | undefined;
  /** `EntityCache.key` of the entity, computed once. */
  readonly key: string;
  attempts: number;
  readonly resolve: (d: Decision) => void;
  readonly reject: (e: unknown) => void;
}

/** Options of the group committer. */
export interface GroupCommitterOptions {
  /** Re-decisions after version conflicts before giving up with OptimisticLockError; default 8. */
  readonly maxAttempts?: number;
  /** Largest number of transitions in one database transaction; default 500. */
  readonly maxBatch?: number;
  /**
   * Batches committed at once, on separate connections (their entities never overlap); default 4, and 1 when the
   * database has a single connection (PGlite), where batches could only queue behind each other.
   */
  readonly maxInFlight?: number;
  /** Called with the decisions of a committed batch, before the sends resolve (effects: JSONL, listeners). */
  readonly afterCommit: (decisions: readonly Decision[]) => Promise<void>;
  /** Snapshot migrations applied to entities stored under an older machine version; default the registered ones. */
  readonly snapshotMigrations?: SnapshotMigrations;
}

/** Whether the Kysely instance reaches a database with more than one connection (PostgreSQL pools, not PGlite). */
function multipleConnections(db: Kysely<Database>): boolean {
  return !isSingleConnection(db);
}

/**
 * Group commit (docs/design/engine.md §3): sends queued in the same tick are decided in order per entity, chained
 * (v, v+1, …), and written in ONE transaction (one statement: guarded UPDATEs returning the audit rows it inserts). Up to
 * `maxInFlight` batches are committed at once, so deciding the next batch overlaps the database writing the
 * previous one; an entity is in at most one batch in flight, so per-entity order is the order of `send` calls.
 * Entities that lost a version race (to another process) are re-read and re-decided (or fail with
 * OptimisticLockError when the caller named the version).
 */
export class GroupCommitter {
  private queue: PendingSend[] = [];
  /** Keys of the entities in batches being committed. */
  private readonly inFlight = new Set<string>();
  private running = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private readonly maxAttempts: number;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly db: Kysely<Database>,
    readonly cache: EntityCache,
    private readonly opts: GroupCommitterOptions,
  ) {
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.maxBatch = opts.maxBatch ?? 500;
    this.maxInFlight = opts.maxInFlight ?? (multipleConnections(db) ? 4 : 1);
  }

  /** Queues a send; resolves with its committed decision. */
  submit(p: Omit<PendingSend, 'resolve' | 'reject' | 'attempts' | 'key'>): Promise<Decision> {
    return new Promise<Decision>((resolve, reject) => {
      this.queue.push({ ...p, key: EntityCache.key(p.entityType, p.id), attempts: 0, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    return this.running === 0 && this.queue.length === 0 && !this.scheduled;
  }

  /** Starts batches on the next turn of the event loop, so that the current tick's sends join them. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
      this.notifyIdle();
    });
  }

  private notifyIdle(): void {
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private pump(): void {
    while (this.running < this.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) break;
      const keys = new Set(batch.map((p) => p.key));
      for (const k of keys) this.inFlight.add(k);
      this.running++;
      this.commitBatch(batch)
        .catch((err: unknown) => {
          // Never leave a caller waiting: settling an already settled promise is a no-op.
          for (const p of batch) p.reject(err);
        })
        .finally(() => {
          for (const k of keys) this.inFlight.delete(k);
          this.running--;
          if (this.queue.length > 0) this.schedule();
          else this.notifyIdle();
        });
    }
  }

  /**
   * Takes the next batch off the queue, in queue order: up to `maxBatch` sends of entities not in flight. A send
   * left behind holds back every later send of its entity, so per-entity order is kept.
   */
  private take(): PendingSend[] {
    const batch: PendingSend[] = [];
    const rest: PendingSend[] = [];
    const held = new Set<string>();
    let i = 0;
    for (; i < this.queue.length && batch.length < this.maxBatch; i++) {
      const p = this.queue[i]!;
      if (this.inFlight.has(p.key) || held.has(p.key)) {
        held.add(p.key);
        rest.push(p);
      } else batch.push(p);
    }
    this.queue = i < this.queue.length ? rest.concat(this.queue.slice(i)) : rest;
    return batch;
  }

  /** The batch's entities (null: not found; an error: its stored snapshot cannot be read, e.g. `SnapshotVersionError`). */
  private async entitiesFor(batch: readonly PendingSend[]): Promise<Map<string, LoadedEntity | Error | null>> {
    const out = new Map<string, LoadedEntity | Error | null>();
    const missing = new Map<string, Set<string>>();
    for (const p of batch) {
      const cached = this.cache.get(p.key);
      if (cached) out.set(p.key, cached);
      else (missing.get(p.entityType) ?? missing.set(p.entityType, new Set()).get(p.entityType)!).add(p.id);
    }
    for (const [type, ids] of missing) {
      const found = await loadEntities(this.db, type, [...ids]);
      for (const id of ids) {
        const rec = found.get(id);
        out.set(EntityCache.key(type, id), rec ? this.load(rec) : null);
      }
    }
    return out;
  }

  /** One stored row as a loaded entity, or the error that refuses it (only its own sends fail). */
  private load(rec: Parameters<typeof loadedEntity>[0]): LoadedEntity | Error {
    try {
      return loadedEntity(rec, this.opts.snapshotMigrations);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private async commitBatch(batch: PendingSend[]): Promise<void> {
    // Entities this batch decides from the cache rather than from rows it reads now.
    const cachedFirst = new Set(batch.filter((p) => this.cache.has(p.key)).map((p) => p.key));
    let current: Map<string, LoadedEntity | Error | null>;
    try {
      current = await this.entitiesFor(batch);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    const decided: { p: PendingSend; d: Decision }[] = [];
    const refused: { p: PendingSend; err: unknown }[] = [];
    /** Entities with a send put back: their later sends of this batch go back too, in order. */
    const putBack = new Set<string>();
    const requeue: PendingSend[] = [];
    for (const p of batch) {
      const key = p.key;
      if (putBack.has(key)) {
        requeue.push(p);
        continue;
      }
      const entity = current.get(key);
      if (!entity) {
        refused.push({ p, err: new EntityNotFoundError(p.entityType, p.id) });
        continue;
      }
      if (entity instanceof Error) {
        // A stored snapshot this build cannot read (SnapshotVersionError …): that entity's sends fail, nothing is written.
        refused.push({ p, err: entity });
        continue;
      }
      if (p.expectedVersion !== undefined && p.expectedVersion !== entity.version) {
        // The cache may be behind another process: re-read once before refusing.
        if (p.attempts === 0 && p.expectedVersion > entity.version) {
          this.cache.delete(key);
          p.attempts++;
          requeue.push(p);
          putBack.add(key);
        } else refused.push({ p, err: new OptimisticLockError(p.entityType, p.id, p.expectedVersion, entity.version) });
        continue;
      }
      try {
        const d = decideTransition(entity, p.event, p.meta);
        decided.push({ p, d });
        current.set(key, d.next);
      } catch (err) {
        if (err instanceof InvalidTransitionError && cachedFirst.has(key) && p.attempts === 0 && !decided.some((x) => x.p.key === key)) {
          // Refused on this process's cached state, which another process (or a read racing a commit) may have left
          // behind: the machine decides again on the stored row before the caller hears a refusal.
          this.cache.delete(key);
          p.attempts++;
          requeue.push(p);
          putBack.add(key);
          continue;
        }
        // InvalidTransitionError, TimeWentBackwardsError, or a bug: its caller hears of it, the batch goes on.
        refused.push({ p, err });
      }
    }

    let results: Awaited<ReturnType<typeof commitTransitions>> = [];
    try {
      results = await commitTransitions(this.db, decided.map(({ d }) => transitionItem(d)));
    } catch (err) {
      for (const { p } of decided) p.reject(err);
      for (const { p, err: e } of refused) p.reject(e);
      this.queue.unshift(...requeue);
      return;
    }

    const conflicted = new Set<string>();
    decided.forEach(({ p }, i) => {
      if (!results[i]!.ok) conflicted.add(p.key);
    });
    const committed: { p: PendingSend; d: Decision }[] = [];
    for (const [i, x] of decided.entries()) {
      if (results[i]!.ok) {
        committed.push(x);
        this.cache.set(x.p.key, x.d.next);
      }
    }
    // Entities that lost a race: forget them, and re-decide every send of theirs from this batch on fresh state.
    for (const key of conflicted) this.cache.delete(key);
    for (const p of batch) {
      if (!conflicted.has(p.key) || requeue.includes(p)) continue;
      const wasCommitted = committed.some((c) => c.p === p);
      if (wasCommitted) continue;
      const r = results[decided.findIndex((x) => x.p === p)];
      if (p.expectedVersion !== undefined && r && !r.ok) {
        p.reject(new OptimisticLockError(p.entityType, p.id, p.expectedVersion, r.actualVersion ?? -1));
      } else if (++p.attempts > this.maxAttempts) {
        p.reject(new OptimisticLockError(p.entityType, p.id, p.expectedVersion ?? -1, r && !r.ok ? (r.actualVersion ?? -1) : -1));
      } else requeue.push(p);
    }
    this.queue.unshift(...requeue);

    try {
      await this.opts.afterCommit(committed.map((c) => c.d));
    } catch (err) {
      for (const { p } of committed) p.reject(err);
      for (const { p, err: e } of refused) if (!conflicted.has(p.key)) p.reject(e);
      return;
    }
    for (const { p, d } of committed) p.resolve(d);
    for (const { p, err } of refused) if (!conflicted.has(p.key)) p.reject(err);
  }
}
