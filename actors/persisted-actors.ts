import type { Kysely } from 'kysely';
import { entryOf, parseEvent } from '../machines/index.js';
import {
  EntityExistsError,
  EntityNotFoundError,
  insertEntities,
  loadEntity,
  readHistory,
  type AuditRecord,
  type Database,
} from '../persistence/index.js';
import { claimTasks, type ClaimRequest } from './claim-tasks.js';
import type { Decision, SendMeta } from './decide-transition.js';
import { EntityCache } from './entity-cache.js';
import { planCreation, type CreateItem, type CreateOptions, type CreationPlan } from './creation-plan.js';
import { assertEntityId } from './entity-ids.js';
import { ActorSystemClosedError, InvalidCreateItemError } from './errors.js';
import { GroupCommitter } from './group-committer.js';
import { loadedEntity } from './loaded-entity.js';
import { TransitionLog } from './transition-log.js';
import { TransitionListeners, type TransitionListener, type CommittedTransition } from './transition-listeners.js';

/** Options of {@link PersistedActors}. */
export interface PersistedActorsOptions {
  readonly db: Kysely<Database>;
  /** Time source for events that carry no `now`; default `Date.now`. */
  readonly clock?: () => number;
  /** JSONL file of canonical events written after each commit (e.g. `.state/transitions.jsonl`); default none. */
  readonly transitionLog?: string | null;
  /** Re-decisions after version conflicts before `OptimisticLockError`; default 8. */
  readonly maxAttempts?: number;
  /** Entities whose last state is kept in memory; default 10,000. */
  readonly cacheSize?: number;
  /** Most transitions committed in one statement; default 500. */
  readonly maxBatch?: number;
  /** Batches committed at once (disjoint entities); default 4 on PostgreSQL, 1 on PGlite. */
  readonly maxInFlight?: number;
}

/** Options of a send: who and why, and the version the caller expects (else conflicts are re-decided). */
export interface SendOptions extends SendMeta {
  readonly expectedVersion?: number;
}

/** A persisted entity as the library returns it. */
export interface EntityView {
  readonly entityType: string;
  readonly id: string;
  readonly state: string;
  readonly version: number;
  readonly context: Record<string, unknown>;
  readonly snapshot: Record<string, unknown>;
  readonly machineVersion: string;
}

/**
 * Persisted actors (engine.md §3, §7.2): every entity an XState machine whose snapshot lives in PostgreSQL/PGlite;
 * every send is decided purely, committed with its audit row in one transaction (group commit across entities,
 * optimistic locking per entity), and only then logged to JSONL and told to listeners.
 */
export class PersistedActors {
  private readonly clock: () => number;
  private readonly log: TransitionLog | null;
  private readonly listeners = new TransitionListeners();
  private readonly committer: GroupCommitter;
  private closed = false;

  constructor(private readonly opts: PersistedActorsOptions) {
    this.clock = opts.clock ?? Date.now;
    this.log = opts.transitionLog ? new TransitionLog(opts.transitionLog) : null;
    this.committer = new GroupCommitter(opts.db, new EntityCache(opts.cacheSize), {
      maxAttempts: opts.maxAttempts,
      maxBatch: opts.maxBatch,
      maxInFlight: opts.maxInFlight,
      afterCommit: (ds) => this.effects(ds),
    });
  }

  /** Creates an entity in its machine's initial state from `input` (zod-validated; `now` defaults to the clock). */
  async create(entityType: string, id: string, input: Record<string, unknown> = {}, opts: CreateOptions = {}): Promise<EntityView> {
    this.open('create');
    const [created] = await this.insert([planCreation({ ...opts, entityType, id, input }, this.clock)]);
    return created!;
  }

  /**
   * Creates many entities as `create` would each (same rows, audit rows, hashes and JSONL lines), in ONE
   * transaction of batched statements. Every item is validated first: an invalid item, or one repeating an earlier
   * item's type and id, is an `InvalidCreateItemError` naming it (its index, type and id; the validation error as
   * `cause`), and an id that already exists is an `EntityExistsError`; either way nothing is written. Resolves with
   * the views in the order of `items`.
   */
  async createMany(items: readonly CreateItem[]): Promise<EntityView[]> {
    this.open('createMany');
    const seen = new Set<string>();
    const plans = items.map((item, index) => {
      try {
        const plan = planCreation(item, this.clock);
        const key = EntityCache.key(plan.entity.entityType, plan.entity.id);
        if (seen.has(key)) throw new EntityExistsError(plan.entity.entityType, plan.entity.id);
        seen.add(key);
        return plan;
      } catch (error) {
        throw new InvalidCreateItemError(index, String(item?.entityType), String(item?.id), { cause: error });
      }
    });
    return this.insert(plans);
  }

  /** Writes validated creations in one transaction, fills the cache, then appends their JSONL lines. */
  private async insert(plans: readonly CreationPlan[]): Promise<EntityView[]> {
    if (plans.length === 0) return [];
    const records = await insertEntities(this.opts.db, plans.map((p) => p.entity));
    const views = records.map((record, i) => {
      const loaded = loadedEntity(record);
      this.committer.cache.set(EntityCache.key(loaded.entityType, loaded.id), loaded);
      const snapshot = plans[i]!.entity.snapshot as Record<string, unknown>;
      return view(loaded.entityType, loaded.id, loaded.state, loaded.version, snapshot, loaded.machineVersion);
    });
    await this.log?.append(plans.map((p) => p.canonical));
    return views;
  }

  /** The entity as stored now; `EntityNotFoundError` when there is none. */
  async load(entityType: string, id: string): Promise<EntityView> {
    const entry = entryOf(entityType);
    assertEntityId(entry.entityType, id);
    const rec = await loadEntity(this.opts.db, entry.entityType, id);
    if (!rec) throw new EntityNotFoundError(entry.entityType, id);
    this.committer.cache.set(EntityCache.key(entry.entityType, id), loadedEntity(rec));
    return view(rec.entityType, rec.id, rec.state, rec.version, rec.snapshot, rec.machineVersion);
  }

  /**
   * Sends an event (zod-validated; `now` defaults to the clock) and resolves once the transition is committed and
   * its effects ran; `InvalidTransitionError` when refused (nothing written), `OptimisticLockError` on a conflict
   * when `expectedVersion` was given (else the send is re-decided on fresh state, boundedly).
   */
  async send(entityType: string, id: string, event: { type: string } & Record<string, unknown>, opts: SendOptions = {}): Promise<CommittedTransition> {
    this.open('send');
    const entry = entryOf(entityType);
    assertEntityId(entry.entityType, id);
    const clampTime = event.now === undefined;
    const parsed = parseEvent(entry.entityType, { now: this.clock(), ...event }) as { type: string; now: number } & Record<string, unknown>;
    const { expectedVersion, ...meta } = opts;
    const d = await this.committer.submit({ entityType: entry.entityType, id, event: parsed, meta: { ...meta, clampTime }, expectedVersion });
    return committedOf(d);
  }

  /** The audit trail of one entity, oldest first; `EntityNotFoundError` for an unknown entity. */
  async history(entityType: string, id: string): Promise<AuditRecord[]> {
    const entry = entryOf(entityType);
    assertEntityId(entry.entityType, id);
    const rows = await readHistory(this.opts.db, entry.entityType, id);
    if (rows.length === 0 && !(await loadEntity(this.opts.db, entry.entityType, id))) throw new EntityNotFoundError(entry.entityType, id);
    return rows;
  }

  /**
   * Claims up to `limit` queued tasks for a worker with `FOR UPDATE SKIP LOCKED` (SSOT §4.3.1): each claimed task
   * is moved to `running` with this worker's id in the same transaction. Resolves with the claimed transitions.
   */
  async claim(req: Omit<ClaimRequest, 'now'> & { now?: number }): Promise<CommittedTransition[]> {
    this.open('claim');
    const ds = await claimTasks(this.opts.db, { ...req, now: req.now ?? this.clock() });
    for (const d of ds) this.committer.cache.set(EntityCache.key(d.next.entityType, d.next.id), d.next);
    await this.effects(ds);
    return ds.map(committedOf);
  }

  /** Calls `listener` after every committed transition of this process; returns the unsubscribe function. */
  subscribe(listener: TransitionListener): () => void {
    return this.listeners.add(listener);
  }

  /** Waits for queued sends and log writes, then refuses further work. The database is the caller's to close. */
  async close(): Promise<void> {
    await this.committer.idle();
    await this.log?.flush();
    this.closed = true;
  }

  private open(op: string): void {
    if (this.closed) throw new ActorSystemClosedError(op);
  }

  private async effects(ds: readonly Decision[]): Promise<void> {
    if (ds.length === 0) return;
    await this.log?.append(ds.map((d) => d.canonical));
    this.listeners.emit(ds.map(committedOf));
  }
}

function view(entityType: string, id: string, state: string, version: number, snapshot: Record<string, unknown>, machineVersion: string): EntityView {
  return { entityType, id, state, version, snapshot, context: (snapshot.context ?? {}) as Record<string, unknown>, machineVersion };
}

function committedOf(d: Decision): CommittedTransition {
  return {
    entityType: d.next.entityType,
    id: d.next.id,
    from: d.canonical.from_state!,
    to: d.canonical.to_state,
    event: d.canonical.trigger,
    version: d.next.version,
    context: d.next.snapshot.context as Record<string, unknown>,
    canonical: d.canonical,
  };
}
