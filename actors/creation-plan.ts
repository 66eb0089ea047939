import { entryOf, initialSnapshot, InvalidPayloadError, parseInput, persistSnapshot, type EntityType, type InputOf, type SendEventOf } from '../machines/index.js';
import type { NewEntity } from '../persistence/index.js';
import { auditHash, type HashedAuditFields } from './audit-hash.js';
import { assertEntityId, newEventId } from './entity-ids.js';
import { stateColumns } from './state-columns.js';
import type { CanonicalEvent } from './transition-log.js';

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

/** Who creates an entity and why, and its links. */
export interface CreateOptions {
  readonly links?: EntityLinks;
  readonly operator?: string;
  readonly reason?: string;
  /** Extra metadata of the creation audit row (e.g. a content hash, issue 11); `input` and `machine_version` win. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** One entity of type `T` to create with `PersistedActors.createMany`: what `create` takes, as one object. */
export interface CreateItemOf<T extends EntityType> extends CreateOptions {
  readonly entityType: T;
  readonly id: string;
  /** Machine input, typed by the machine and zod-validated; `now` defaults to the clock. */
  readonly input?: InputOf<T>;
  /**
   * Events the new entity takes at once, in order, as `send` would take them (zod-validated, `now` defaulting to the
   * clock), committed with the creation: the row is written once, in the state after the last, and each event has
   * its own audit row (default: none).
   */
  readonly then?: readonly SendEventOf<T>[];
}

/** One entity of any type to create with `PersistedActors.createMany` (a union discriminated by `entityType`). */
export type CreateItem = { [T in EntityType]: CreateItemOf<T> }[EntityType];

/** A creation as `planCreation` validates it: the entity type and input not yet checked (untrusted callers). */
export interface UncheckedCreateItem extends CreateOptions {
  readonly entityType: string;
  readonly id: string;
  readonly input?: unknown;
}

/** A validated creation: the row and audit row to insert, and the JSONL line to append after commit. */
export interface CreationPlan {
  readonly entity: NewEntity;
  readonly canonical: CanonicalEvent;
}

/**
 * Validates one creation (entity type, id, zod input with `now` from `clock` unless given) and builds its row at
 * version 1 in the machine's initial state, the creation audit row hash-chained from genesis, and its canonical
 * event. Pure apart from the clock and the event id; throws the validation errors of `create`.
 */
export function planCreation(item: UncheckedCreateItem, clock: () => number): CreationPlan {
  const entry = entryOf(item.entityType);
  const entityType = entry.entityType;
  assertEntityId(entityType, item.id);
  const input = item.input ?? {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidPayloadError(entityType, 'input', ['(root): expected a JSON object']);
  const parsed = parseInput(entityType, { now: clock(), ...input });
  const snap = initialSnapshot(entityType, parsed);
  const links = item.links ?? {};
  const now = parsed.now as number;
  const state = String(snap.value);
  const fields: HashedAuditFields = {
    event_id: newEventId(now),
    entity_type: entityType,
    entity_id: item.id,
    seq: 1,
    from_state: null,
    to_state: state,
    trigger: 'create',
    reason: item.reason ?? null,
    metadata: { ...item.metadata, input: parsed, machine_version: entry.version },
    operator: item.operator ?? null,
    run_id: entityType === 'run' ? item.id : (links.run_id ?? null),
    workstream_id: entityType === 'workstream' ? item.id : (links.workstream_id ?? null),
    phase_id: links.phase_id ?? null,
    severity: 'info',
    transitioned_at: new Date(now).toISOString(),
  };
  const metadata = fields.metadata as Record<string, unknown>;
  const entity: NewEntity = {
    entityType,
    id: item.id,
    state,
    snapshot: persistSnapshot(entityType, snap),
    machineVersion: entry.version,
    columns: { ...stateColumns(entityType, snap.context as Record<string, unknown>), ...links },
    audit: {
      eventId: fields.event_id,
      severity: 'info',
      transitionedAt: now,
      hash: auditHash(null, fields),
      reason: fields.reason,
      metadata,
      operator: fields.operator,
      runId: fields.run_id,
      workstreamId: fields.workstream_id,
      phaseId: fields.phase_id,
    },
  };
  const canonical: CanonicalEvent = {
    event_id: fields.event_id,
    timestamp: fields.transitioned_at,
    event_type: `${entityType}_created`,
    severity: 'info',
    entity_type: entityType,
    entity_id: item.id,
    from_state: null,
    to_state: state,
    trigger: 'create',
    metadata,
    operator: fields.operator,
    context: { run_id: fields.run_id, workstream_id: fields.workstream_id, phase_id: fields.phase_id },
  };
  return { entity, canonical };
}
