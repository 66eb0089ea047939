import type { Kysely } from 'kysely';
import { ENTITY_TYPES, entityTypeOf, snapshotMigrations, SnapshotVersionError, type SnapshotMigrations } from '../machines/index.js';
import { staleRunEntities, type Database } from '../persistence/index.js';
import { SnapshotVersionsRefusedError } from './errors.js';

/**
 * Before a run is resumed: every entity of run `runId` stored under an older machine version must have a snapshot
 * migration path to the current one (`migrations`, default the registered ones); else {@link SnapshotVersionsRefusedError}
 * listing each such entity with both versions, before anything is driven or written. Entities that have a path are
 * migrated as they load.
 */
export async function checkSnapshotVersions(db: Kysely<Database>, runId: string, migrations: SnapshotMigrations = snapshotMigrations): Promise<void> {
  const current = Object.fromEntries(ENTITY_TYPES.map((t) => [t, migrations.currentVersion(t)]));
  const refused: SnapshotVersionError[] = [];
  for (const e of await staleRunEntities(db, runId, current)) {
    const type = entityTypeOf(e.entityType);
    if (!migrations.pathFrom(type, e.machineVersion)) refused.push(new SnapshotVersionError(type, e.id, e.machineVersion, migrations.currentVersion(type)));
  }
  if (refused.length > 0) throw new SnapshotVersionsRefusedError(runId, refused);
}
