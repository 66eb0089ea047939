// Snapshot migrations (issue 16): how snapshots persisted under an older machine version are brought to the current
// one. Register every migration in SNAPSHOT_MIGRATIONS; the registry is validated when this module loads.
import { SnapshotMigrations } from './snapshot-migrations.js';
import type { SnapshotMigration } from './snapshot-migration.js';
import { testGateAbandoned } from './test-gate-abandoned.js';
import { testGateApprovers } from './test-gate-approvers.js';
import { workstreamConflictRounds } from './workstream-conflict-rounds.js';

export { InvalidMigratedSnapshotError, SnapshotMigrationRegistryError, SnapshotVersionError } from './errors.js';
export { snapshotMigration, type PersistedSnapshot, type SnapshotMigration } from './snapshot-migration.js';
export { SnapshotMigrations, type MachineVersions, type MigratedSnapshot } from './snapshot-migrations.js';
export { snapshotProblems } from './snapshot-problems.js';
export { MACHINE_VERSIONS } from './machine-versions.js';

/** Every registered snapshot migration, oldest first per machine. */
export const SNAPSHOT_MIGRATIONS: readonly SnapshotMigration[] = [testGateApprovers, testGateAbandoned, workstreamConflictRounds];

/** The registry of {@link SNAPSHOT_MIGRATIONS}, validated against the catalog's current versions at load. */
export const snapshotMigrations = new SnapshotMigrations(SNAPSHOT_MIGRATIONS);
