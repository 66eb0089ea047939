import type { Kysely } from 'kysely';
import { entryOf, initialSnapshot, parseEvent, parseInput, persistSnapshot } from '../machines/index.js';
import {
  EntityNotFoundError,
  insertEntity,
  loadEntity,
  readHistory,
  type AuditRecord,
  type Database,
} from '../persistence/index.js';
import { auditHash, type HashedAuditFields } from './audit-hash.js';
import { claimTasks, type ClaimRequest } from './claim-tasks.js';
import type { Decision, SendMeta } from './decide-transition.js';
import { EntityCache } from './entity-cache.js';
import { assertEntityId, newEventId } from './entity-ids.js';
import { ActorSystemClosedError } from './errors.js';
import { GroupCommitter } from './group-committer.js';
import { loadedEntity } from './loaded-entity.js';
import { stateColumns } from './state-columns.js';
import { TransitionLog, type CanonicalEvent } from './transition-log.js';
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

/** Links to parent entities, set once at creation (foreign keys of the row). */
export interface EntityLinks {
  readonly run_id?: string;
  readonly workstream_id?: string;
  readonly task_id?: string;
  readonly patch_id?: string;
  readonly phase_id?: string;
  readonly pool_id?: string;
  readonly retry_of?: string;
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
  async create(entityType: string, id: string, input: Record<string, unknown> = {}, opts: { links?: EntityLinks; operator?: string; reason?: string } = {}): Promise<EntityView> {
    this.open('create');
    const entry = entryOf(entityType);
    assertEntityId(entry.entityType, id);
    const parsed = parseInput(entry.entityType, { now: this.clock(), ...input });
    const snap = initialSnapshot(entry.entityType, parsed);
    const links = opts.links ?? {};
    const now = parsed.now as number;
    const fields: HashedAuditFields = {
      event_id: newEventId(now),
      entity_type: entry.entityType,
      entity_id: id,
      seq: 1,
      from_state: null,
      to_state: String(snap.value),
      trigger: 'create',
      reason: opts.reason ?? null,
      metadata: { input: parsed, machine_version: entry.version },
      operator: opts.operator ?? null,
      run_id: links.run_id ?? null,
      workstream_id: links.workstream_id ?? null,
      phase_id: links.phase_id ?? null,
      severity: 'info',
      transitioned_at: new Date(now).toISOString(),
    };
    const hash = auditHash(null, fields);
    const persisted = persistSnapshot(entry.entityType, snap);
    const record = await insertEntity(this.opts.db, {
      entityType: entry.entityType,
      id,
      state: String(snap.value),
      snapshot: persisted,
      machineVersion: entry.version,
      columns: { ...stateColumns(entry.entityType, snap.context as Record<string, unknown>), ...links },
      audit: {
        eventId: fields.event_id,
        severity: 'info',
        transitionedAt: now,
        hash,
        reason: fields.reason,
        metadata: fields.metadata as Record<string, unknown>,
        operator: fields.operator,
        runId: fields.run_id,
        workstreamId: fields.workstream_id,
        phaseId: fields.phase_id,
      },
    });
    const loaded = loadedEntity(record);
    this.committer.cache.set(EntityCache.key(loaded.entityType, id), loaded);
    const canonical: CanonicalEvent = {
      event_id: fields.event_id,
      timestamp: fields.transitioned_at,
      event_type: `${entry.entityType}_created`,
      severity: 'info',
      entity_type: entry.entityType,
      entity_id: id,
      from_state: null,
      to_state: loaded.state,
      trigger: 'create',
      metadata: fields.metadata as Record<string, unknown>,
      operator: fields.operator,
      context: { run_id: fields.run_id, workstream_id: fields.workstream_id, phase_id: fields.phase_id },
    };
    await this.log?.append([canonical]);
    return view(loaded.entityType, id, loaded.state, loaded.version, persisted, loaded.machineVersion);
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
