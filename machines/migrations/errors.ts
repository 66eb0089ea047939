/**
 * A stored snapshot whose machine version this build cannot read: no registered snapshot migration leads from it
 * to the current version (an older version nobody wrote a migration for, or a version this build never knew, e.g.
 * written by a newer build). The entity is left as stored.
 */
export class SnapshotVersionError extends Error {
  override readonly name = 'SnapshotVersionError';
  constructor(
    readonly entityType: string,
    readonly id: string,
    readonly storedVersion: string,
    readonly currentVersion: string,
  ) {
    super(
      `${entityType} ${id} was persisted by machine version ${storedVersion}, this build runs ${currentVersion}, ` +
        `and no snapshot migration leads from ${storedVersion} to ${currentVersion} (machines/migrations/)`,
    );
  }
}

/** A snapshot that a migration chain produced (or that was stored) which the current machine does not accept. */
export class InvalidMigratedSnapshotError extends Error {
  override readonly name = 'InvalidMigratedSnapshotError';
  constructor(
    readonly entityType: string,
    readonly id: string,
    readonly fromVersion: string,
    readonly toVersion: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`${entityType} ${id}: the snapshot migrated from machine version ${fromVersion} to ${toVersion} is not valid: ${problems.join('; ')}`, options);
  }
}

/** A registry of snapshot migrations that is not a set of chains ending at each machine's current version. */
export class SnapshotMigrationRegistryError extends Error {
  override readonly name = 'SnapshotMigrationRegistryError';
  constructor(
    readonly machine: string,
    readonly problems: readonly string[],
  ) {
    super(`snapshot migrations of ${machine}: ${problems.join('; ')}`);
  }
}
