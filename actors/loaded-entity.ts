import { entityTypeOf, restoreSnapshot, snapshotMigrations, type SnapshotMigrations } from '../machines/index.js';
import type { EntityRecord } from '../persistence/index.js';
import type { LoadedEntity } from './decide-transition.js';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The actor-layer view of a stored entity row: its snapshot restored through its machine. A snapshot stored under an
 * older machine version is first migrated in memory through `migrations` (default: the registered ones,
 * machines/migrations/) and checked against the current machine; the row keeps its stored version until the entity's
 * next transition writes the migrated snapshot (its audit row records `snapshot_migration`). Throws
 * `SnapshotVersionError` when no migration leads from the stored version, `InvalidMigratedSnapshotError` when the
 * result is refused.
 */
export function loadedEntity(record: EntityRecord, migrations: SnapshotMigrations = snapshotMigrations): LoadedEntity {
  const type = entityTypeOf(record.entityType);
  const migrated = migrations.migrate(type, record.id, record.machineVersion, record.snapshot, record.state);
  return {
    entityType: record.entityType,
    id: record.id,
    version: record.version,
    state: record.state,
    snapshot: restoreSnapshot(type, migrated.snapshot),
    lastHash: record.lastHash,
    machineVersion: record.machineVersion,
    updatedAt: record.updatedAt.getTime(),
    // SSOT §7.1 context: a run's own events carry its id as run_id, a workstream's its id as workstream_id.
    runId: record.entityType === 'run' ? record.id : str(record.columns.run_id),
    workstreamId: record.entityType === 'workstream' ? record.id : str(record.columns.workstream_id),
    phaseId: str(record.columns.phase_id),
    ...(migrated.steps.length > 0 ? { migration: { from: migrated.from, to: migrated.to, snapshot: migrated.snapshot } } : {}),
  };
}
