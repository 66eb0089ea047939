import type { Kysely } from 'kysely';
import {
  entityTypeOf,
  entryOf,
  parseEvent,
  parseEventOf,
  type EntityType,
  type EventOf,
  type InputOf,
  type SendEventOf,
  type SnapshotMigrations,
} from '../machines/index.js';
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
import type { Decision, LoadedEntity, SendMeta } from './decide-transition.js';
import { EntityCache } from './entity-cache.js';
import {
  anyCommittedTransition,
  anyEntityView,
  committedTransition,
  entityView,
  type AnyCommittedTransition,
  type AnyEntityView,
  type CommittedTransition,
  type EntityView,
} from './entity-view.js';
import { InspectionEmitter, type InspectedChange, type InspectionObserver } from './inspection-emitter.js';
import { planCreation, type CreateItem, type CreateOptions, type CreationPlan } from './creation-plan.js';
import { decideCreationThen, type CreationThen } from './creation-then.js';
import { assertEntityId } from './entity-ids.js';
import { ActorSystemClosedError, InvalidCreateItemError, InvalidUntrustedInputError } from './errors.js';
import { GroupCommitter } from './group-committer.js';
import { loadedEntity } from './loaded-entity.js';
import { TransitionLog } from './transition-log.js';
import { TransitionListeners, type TransitionListener } from './transition-listeners.js';

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
  /**
   * Observer of XState's inspection events (`@xstate.actor`, `@xstate.event`, `@xstate.snapshot`) for this process's
   * committed creations and transitions, e.g. `createWebSocketInspector({ url }).inspect` of `@statelyai/inspect`;
   * each entity's `sessionId` is `entityType:id`. Default none.
   */
  readonly inspect?: InspectionObserver;
  /**
   * Snapshot migrations applied to entities stored under an older machine version when they are loaded; default the
   * registered ones (machines/migrations/). Tests pass a registry with a test-only older version.
   */
  readonly snapshotMigrations?: SnapshotMigrations;
}

/** The arguments of `create` after type and id: the machine's input (optional when every field has a default), then options. */
export type CreateArgs<T extends EntityType> = {} extends InputOf<T> ? [input?: InputOf<T>, opts?: CreateOptions] : [input: InputOf<T>, opts?: CreateOptions];

/** Options of a send: who and why, and the version the caller expects (else conflicts are re-decided). */
export interface SendOptions extends SendMeta {
  readonly expectedVersion?: number;
}

/**
 * Persisted actors (docs/design/engine.md §3, §7.2): every entity an XState machine whose snapshot lives in PostgreSQL/PGlite;
 * every send is decided purely, committed with its audit row in one transaction (group commit across entities,
 * optimistic locking per entity), and only then logged to JSONL, told to listeners and to the `inspect` observer.
 * Typed by the machine catalog: `create`, `send`, `load`, `claim` and `subscribe` take and return each entity type's
 * own input, events, states and context (`InputOf<T>`, `SendEventOf<T>`, `StateOf<T>`, `ContextOf<T>`), so a wrong
 * event, payload or entity type does not compile; input from outside goes through the `…Untrusted` entries.
 */
export class PersistedActors {
  private readonly clock: () => number;
  private readonly log: TransitionLog | null;
  private readonly listeners = new TransitionListeners();
  private readonly inspection: InspectionEmitter | null;
  private readonly committer: GroupCommitter;
  private closed = false;

  constructor(private readonly opts: PersistedActorsOptions) {
    this.clock = opts.clock ?? Date.now;
    this.log = opts.transitionLog ? new TransitionLog(opts.transitionLog) : null;
    this.inspection = opts.inspect ? new InspectionEmitter(opts.inspect) : null;
    this.committer = new GroupCommitter(opts.db, new EntityCache(opts.cacheSize), {
      maxAttempts: opts.maxAttempts,
      maxBatch: opts.maxBatch,
      maxInFlight: opts.maxInFlight,
      afterCommit: (ds) => this.effects(ds),
      snapshotMigrations: opts.snapshotMigrations,
    });
  }

  /**
   * Creates an entity in its machine's initial state from `input` (typed by the machine; zod-validated too, `now`
   * defaults to the clock) and resolves with its typed view.
   */
  async create<T extends EntityType>(entityType: T, id: string, ...args: CreateArgs<T>): Promise<EntityView<T>> {
    this.open('create');
    const [input = {}, opts = {}] = args;
    const [created] = await this.insert([planCreation({ ...opts, entityType, id, input }, this.clock)]);
    return entityView(entityType, created!.loaded, created!.loaded.snapshot, created!.persisted);
  }

  /**
   * The checked entry for UNTRUSTED input (a shell, an HTTP body): `entityType` is checked against the catalog
   * (`UnknownEntityTypeError`), `input` must be a JSON object (`InvalidUntrustedInputError`) and is validated by the
   * machine's zod input schema (`InvalidPayloadError`); then it is created as `create` would.
   */
  async createUntrusted(entityType: string, id: string, input: unknown, opts: CreateOptions = {}): Promise<AnyEntityView> {
    const type = entityTypeOf(entityType);
    return anyEntityView(await this.create(type, id, objectOf(type, 'input', input ?? {}), opts));
  }

  /**
   * Creates many entities as `create` would each (same rows, audit rows, hashes and JSONL lines), in ONE
   * transaction of batched statements. Every item is validated first: an invalid item, or one repeating an earlier
   * item's type and id, is an `InvalidCreateItemError` naming it (its index, type and id; the validation error as
   * `cause`), and an id that already exists is an `EntityExistsError`; either way nothing is written. An item's
   * `then` events are decided at once from its initial snapshot (as `send` would, same validation) and committed in
   * the same transaction: its row is written once, in the state after the last, each event with its audit row (a
   * refused event is an `InvalidCreateItemError` too). Resolves with the views in the order of `items`.
   */
  async createMany<I extends CreateItem>(items: readonly I[]): Promise<EntityView<I['entityType']>[]> {
    this.open('createMany');
    const seen = new Set<string>();
    const plans = items.map((item, index) => {
      try {
        const plan = planCreation(item, this.clock);
        const key = EntityCache.key(plan.entity.entityType, plan.entity.id);
        if (seen.has(key)) throw new EntityExistsError(plan.entity.entityType, plan.entity.id);
        seen.add(key);
        if (!item.then || item.then.length === 0) return plan;
        return { ...plan, ...decideCreationThen(plan, item.then, this.clock) };
      } catch (error) {
        throw new InvalidCreateItemError(index, String(item?.entityType), String(item?.id), { cause: error });
      }
    });
    return (await this.insert(plans)).map((c, i) => entityView(items[i]!.entityType, c.loaded, c.loaded.snapshot, c.persisted));
  }

  /**
   * Writes validated creations (each with the transitions it takes at once, if any) in one transaction, fills the
   * cache, then appends their JSONL lines and tells the inspector and the listeners.
   */
  private async insert(plans: readonly (CreationPlan & Partial<CreationThen>)[]): Promise<{ loaded: LoadedEntity; persisted: Record<string, unknown> }[]> {
    if (plans.length === 0) return [];
    const records = await insertEntities(this.opts.db, plans.map((p) => (p.then ? { ...p.entity, then: p.then } : p.entity)));
    const created = records.map((record, i) => {
      const loaded = loadedEntity(record);
      this.committer.cache.offer(EntityCache.key(loaded.entityType, loaded.id), loaded);
      return { loaded, persisted: (plans[i]!.then?.snapshot ?? plans[i]!.entity.snapshot) as Record<string, unknown> };
    });
    const decisions = plans.flatMap((p) => p.decisions ?? []);
    await this.log?.append(plans.flatMap((p) => [p.canonical, ...(p.decisions ?? []).map((d) => d.canonical)]));
    this.inspection?.emit(plans.map((p) => ({ entityType: p.entity.entityType, id: p.entity.id, snapshot: p.entity.snapshot, event: { type: 'xstate.init' }, created: true })));
    if (decisions.length > 0) await this.effects(decisions, false);
    return created;
  }

  /** The time now by this instance's clock (epoch ms): what events sent without `now` are stamped with. */
  now(): number {
    return this.clock();
  }

  /** The entity as stored now, its state and context typed by its machine; `EntityNotFoundError` when there is none. */
  async load<T extends EntityType>(entityType: T, id: string): Promise<EntityView<T>> {
    const entry = entryOf(entityType);
    assertEntityId(entry.entityType, id);
    const rec = await loadEntity(this.opts.db, entry.entityType, id);
    if (!rec) throw new EntityNotFoundError(entry.entityType, id);
    const loaded = loadedEntity(rec, this.opts.snapshotMigrations);
    this.committer.cache.offer(EntityCache.key(entry.entityType, id), loaded);
    return entityView(entityType, rec, loaded.snapshot, loaded.migration ? { ...loaded.migration.snapshot } : rec.snapshot);
  }

  /** `load` for an entity type named by untrusted input (`UnknownEntityTypeError` when it is none of the eight). */
  async loadUntrusted(entityType: string, id: string): Promise<AnyEntityView> {
    return anyEntityView(await this.load(entityTypeOf(entityType), id));
  }

  /**
   * Sends an event (zod-validated; `now` defaults to the clock) and resolves once the transition is committed and
   * its effects ran; `InvalidTransitionError` when refused (nothing written), `OptimisticLockError` on a conflict
   * when `expectedVersion` was given (else the send is re-decided on fresh state, boundedly).
   */
  async send<T extends EntityType>(entityType: T, id: string, event: SendEventOf<T>, opts: SendOptions = {}): Promise<CommittedTransition<T>> {
    this.open('send');
    const parsed = parseEventOf(entityTypeOf(entityType), { now: this.clock(), ...event });
    return this.submit(entityType, id, parsed, event.now === undefined, opts);
  }

  /**
   * The checked entry for UNTRUSTED input (a shell, an HTTP body): `entityType` is checked against the catalog
   * (`UnknownEntityTypeError`), `event` must be a JSON object (`InvalidUntrustedInputError`) whose `type` is one of the
   * machine's events (`InvalidTransitionError`) and whose payload passes its zod schema (`InvalidPayloadError`); then
   * it is sent as `send` would.
   */
  async sendUntrusted(entityType: string, id: string, event: unknown, opts: SendOptions = {}): Promise<AnyCommittedTransition> {
    this.open('send');
    const type = entityTypeOf(entityType);
    const payload = objectOf(type, 'event', event);
    const parsed = parseEventOf(type, { now: this.clock(), ...payload });
    const committed = await this.submit(type, id, parsed, payload['now'] === undefined, opts);
    return anyCommittedTransition(committed, committed.canonical);
  }

  /** Commits a validated event through the group committer and resolves with its committed transition. */
  private async submit<T extends EntityType>(entityType: T, id: string, event: EventOf<EntityType>, clampTime: boolean, opts: SendOptions): Promise<CommittedTransition<T>> {
    assertEntityId(entityType, id);
    const { expectedVersion, ...meta } = opts;
    const d = await this.committer.submit({ entityType, id, event, meta: { ...meta, clampTime }, expectedVersion });
    return committedTransition(entityType, d.next, d.canonical);
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
  async claim(req: Omit<ClaimRequest, 'now'> & { now?: number }): Promise<CommittedTransition<'task'>[]> {
    this.open('claim');
    const cache = this.committer.cache;
    const known = (id: string, version: number) => {
      const held = cache.get(EntityCache.key('task', id));
      return held?.version === version ? held : undefined;
    };
    const ds = await claimTasks(this.opts.db, { ...req, now: req.now ?? this.clock() }, known, this.opts.snapshotMigrations);
    for (const d of ds) this.committer.cache.offer(EntityCache.key(d.next.entityType, d.next.id), d.next);
    await this.effects(ds);
    return ds.map((d) => committedTransition('task', d.next, d.canonical));
  }

  /**
   * Calls `listener` after every committed transition of this process (of every entity type, or only of
   * `entityType`, typed by its machine); returns the unsubscribe function.
   */
  subscribe(listener: TransitionListener): () => void;
  subscribe<T extends EntityType>(entityType: T, listener: (t: CommittedTransition<T>) => void | Promise<void>): () => void;
  subscribe<T extends EntityType>(a: T | TransitionListener, b?: (t: CommittedTransition<T>) => void | Promise<void>): () => void {
    if (typeof a === 'function') return this.listeners.add(a);
    const entityType = entityTypeOf(a);
    return this.listeners.add((t) => (t.entityType === entityType ? b!(committedTransition(a, t, t.canonical)) : undefined));
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

  private async effects(ds: readonly Decision[], log = true): Promise<void> {
    if (ds.length === 0) return;
    if (log) await this.log?.append(ds.map((d) => d.canonical));
    this.inspection?.emit(ds.map((d): InspectedChange => ({ entityType: d.next.entityType, id: d.next.id, snapshot: d.persisted, event: eventOf(d), created: false })));
    if (this.listeners.active) this.listeners.emit(ds.map((d) => anyCommittedTransition(d.next, d.canonical)));
  }
}

/** The JSON object an untrusted caller gave, or `InvalidUntrustedInputError` naming what and for which type. */
function objectOf(entityType: EntityType, what: 'event' | 'input', value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidUntrustedInputError(entityType, what, value);
  return { ...value };
}

/** The event a decision applied, as recorded in its audit metadata (defaults filled, `now` set). */
function eventOf(d: Decision): { type: string } {
  const e = d.canonical.metadata['event'];
  return typeof e === 'object' && e !== null && 'type' in e && typeof e.type === 'string' ? { ...e, type: e.type } : { type: d.canonical.trigger };
}
