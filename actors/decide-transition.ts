import type { AnyMachineSnapshot } from 'xstate';
import { applyEvent, entryOf, persistSnapshot } from '../machines/index.js';
import { stateColumns } from './state-columns.js';
import { auditHash, type HashedAuditFields } from './audit-hash.js';
import { TimeWentBackwardsError } from './errors.js';
import { requiredMetadata } from './audit-metadata.js';
import { newEventId } from './entity-ids.js';
import { eventTypeOf, severityOf } from './severity.js';
import type { CanonicalEvent } from './transition-log.js';

/** An entity as the actor layer holds it between transitions. */
export interface LoadedEntity {
  readonly entityType: string;
  readonly id: string;
  readonly version: number;
  readonly state: string;
  readonly snapshot: AnyMachineSnapshot;
  readonly lastHash: string | null;
  readonly machineVersion: string;
  /** Time of the entity's last transition (epoch ms): no later event may be earlier (SSOT §8.3). */
  readonly updatedAt: number;
  readonly runId: string | null;
  readonly workstreamId: string | null;
  readonly phaseId: string | null;
  /**
   * Set when the stored snapshot was written by an older machine version and migrated in memory on load: the versions
   * and the migrated persisted snapshot (what `snapshot` was restored from). Recorded in the next transition's audit
   * row (`metadata.snapshot_migration`), which writes the migrated snapshot back with the current version.
   */
  readonly migration?: SnapshotMigrationNote;
}

/** A snapshot migration applied on load (docs/engine-decisions.md, snapshot migrations). */
export interface SnapshotMigrationNote {
  readonly from: string;
  readonly to: string;
  readonly snapshot: Readonly<Record<string, unknown>>;
}

/** Who asked and why: carried into the audit row. */
export interface SendMeta {
  readonly operator?: string | null;
  readonly reason?: string | null;
  /** Extra metadata merged into the audit row's metadata. */
  readonly metadata?: Record<string, unknown>;
  /** The event's time came from this process's clock: raise it to the entity's last time instead of refusing. */
  readonly clampTime?: boolean;
}

/** A decided transition: the row update, the audit row and the canonical event, all computed before any I/O. */
export interface Decision {
  readonly next: LoadedEntity;
  readonly expectedVersion: number;
  readonly persisted: Record<string, unknown>;
  readonly columns: Record<string, unknown>;
  readonly audit: HashedAuditFields & { readonly prev_hash: string | null; readonly hash: string };
  readonly canonical: CanonicalEvent;
}

/**
 * Decides one transition purely (docs/design/engine.md §3 step 1): the next snapshot through the machine (InvalidTransitionError
 * when refused), the row's new columns, the audit row with its hash chained to the entity's last hash, and the
 * canonical JSONL event (severity and required metadata of SSOT §7.2).
 */
export function decideTransition(entity: LoadedEntity, sent: { type: string; now: number } & Record<string, unknown>, meta: SendMeta = {}): Decision {
  // SSOT §8.3: timestamps never go backwards. A clock reading behind the entity's last transition (another
  // process's clock ran ahead) is raised to it; an explicit earlier time is refused.
  let event = sent;
  if (sent.now < entity.updatedAt) {
    if (!meta.clampTime) throw new TimeWentBackwardsError(entity.entityType, entity.id, sent.type, sent.now, entity.updatedAt);
    event = { ...sent, now: entity.updatedAt };
  }
  const { snapshot, from, to } = applyEvent(entity.entityType, entity.snapshot, event, entity.id);
  const before = entity.snapshot.context as Record<string, unknown>;
  const after = snapshot.context as Record<string, unknown>;
  // The snapshot written now is the current machine's: its version goes beside it (docs/design/engine.md §3).
  const machineVersion = entryOf(entity.entityType).version;
  const critical = after.critical === true || after.is_critical === true;
  const severity = severityOf({ entityType: entity.entityType, from, to, trigger: event.type, critical });
  const { clampTime: _clamp, ...extra } = meta;
  const metadata = {
    ...requiredMetadata(entity.entityType, before, after, event, event.now),
    ...extra.metadata,
    ...(entity.migration ? { snapshot_migration: entity.migration } : {}),
    event,
    machine_version: machineVersion,
  };
  // Keys in canonical (sorted) order, so that hashing copies nothing at this level.
  const fields: HashedAuditFields = {
    entity_id: entity.id,
    entity_type: entity.entityType,
    event_id: newEventId(event.now),
    from_state: from,
    metadata,
    operator: meta.operator ?? null,
    phase_id: entity.phaseId,
    reason: meta.reason ?? (typeof event.reason === 'string' ? event.reason : null),
    run_id: entity.runId,
    seq: entity.version + 1,
    severity,
    to_state: to,
    transitioned_at: new Date(event.now).toISOString(),
    trigger: event.type,
    workstream_id: entity.workstreamId,
  };
  const hash = auditHash(entity.lastHash, fields);
  const { migration: _migrated, ...rest } = entity;
  const next: LoadedEntity = { ...rest, version: entity.version + 1, state: to, snapshot, lastHash: hash, machineVersion, updatedAt: event.now };
  const canonical: CanonicalEvent = {
    event_id: fields.event_id,
    timestamp: fields.transitioned_at,
    event_type: eventTypeOf({ entityType: entity.entityType, from, to, trigger: event.type }),
    severity,
    entity_type: entity.entityType,
    entity_id: entity.id,
    from_state: from,
    to_state: to,
    trigger: event.type,
    metadata: fields.reason ? { ...metadata, reason: fields.reason } : metadata,
    operator: fields.operator,
    context: { run_id: entity.runId, workstream_id: entity.workstreamId, phase_id: entity.phaseId },
  };
  return {
    next,
    expectedVersion: entity.version,
    persisted: persistSnapshot(entity.entityType, snapshot),
    columns: stateColumns(entity.entityType, after),
    audit: { ...fields, prev_hash: entity.lastHash, hash },
    canonical,
  };
}
