import { entityTypeOf, isTerminal, persistSnapshot, snapshotMigrations, type SnapshotMigrations } from '../machines/index.js';
import type { EntityRecord, TransitionItem } from '../persistence/index.js';
import { auditHash, type HashedAuditFields } from './audit-hash.js';
import { newEventId } from './entity-ids.js';
import { loadedEntity } from './loaded-entity.js';
import { stateColumns } from './state-columns.js';

/** The `trigger` of the audit row that records an explicit snapshot migration (`gantry db migrate-snapshots`). */
export const SNAPSHOT_MIGRATION_TRIGGER = 'snapshot_migration';

/** What migrating one stored entity decided. */
export type StoredSnapshotMigration =
  /** Already under the current machine version: nothing to write. */
  | { readonly kind: 'current' }
  /** A terminal entity: its row never changes again (SSOT §8.2), so it stays as stored and is migrated on every read. */
  | { readonly kind: 'terminal'; readonly from: string; readonly to: string }
  /** The row update and its audit row, versioned like a transition (optimistic locking on `version`). */
  | { readonly kind: 'write'; readonly from: string; readonly to: string; readonly item: TransitionItem };

/**
 * Decides the explicit migration of one stored entity's snapshot to its machine's current version (pure): the migrated
 * snapshot (checked against the current machine), the row's derived columns, and an audit row chained to the entity's
 * last hash — `trigger` `snapshot_migration`, `from_state` = `to_state` = its state, `metadata.snapshot_migration`
 * `{ from, to, snapshot }` — that `gantry audit verify` checks and `gantry audit replay` continues from. `now` (epoch ms)
 * is raised to the entity's last time. Throws `SnapshotVersionError` / `InvalidMigratedSnapshotError` like a load.
 */
export function decideStoredSnapshotMigration(
  record: EntityRecord,
  now: number,
  opts: { readonly migrations?: SnapshotMigrations; readonly operator?: string | null } = {},
): StoredSnapshotMigration {
  const migrations = opts.migrations ?? snapshotMigrations;
  const type = entityTypeOf(record.entityType);
  const entity = loadedEntity(record, migrations);
  const migration = entity.migration;
  if (!migration) return { kind: 'current' };
  if (isTerminal(type, record.state)) return { kind: 'terminal', from: migration.from, to: migration.to };
  const at = Math.max(now, entity.updatedAt);
  const fields: HashedAuditFields = {
    entity_id: entity.id,
    entity_type: entity.entityType,
    event_id: newEventId(at),
    from_state: entity.state,
    metadata: { event_type: SNAPSHOT_MIGRATION_TRIGGER, snapshot_migration: migration, machine_version: migration.to },
    operator: opts.operator ?? null,
    phase_id: entity.phaseId,
    reason: null,
    run_id: entity.runId,
    seq: entity.version + 1,
    severity: 'info',
    to_state: entity.state,
    transitioned_at: new Date(at).toISOString(),
    trigger: SNAPSHOT_MIGRATION_TRIGGER,
    workstream_id: entity.workstreamId,
  };
  const hash = auditHash(entity.lastHash, fields);
  const item: TransitionItem = {
    entityType: entity.entityType,
    id: entity.id,
    expectedVersion: entity.version,
    state: entity.state,
    snapshot: persistSnapshot(type, entity.snapshot),
    machineVersion: migration.to,
    columns: stateColumns(type, entity.snapshot.context as Record<string, unknown>),
    audit: {
      eventId: fields.event_id,
      severity: 'info',
      transitionedAt: at,
      hash,
      prevHash: entity.lastHash ?? '',
      reason: null,
      metadata: fields.metadata as Record<string, unknown>,
      operator: fields.operator,
      runId: entity.runId,
      workstreamId: entity.workstreamId,
      phaseId: entity.phaseId,
      trigger: SNAPSHOT_MIGRATION_TRIGGER,
      fromState: entity.state,
    },
  };
  return { kind: 'write', from: migration.from, to: migration.to, item };
}
