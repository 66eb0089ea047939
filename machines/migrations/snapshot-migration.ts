import type { EntityType } from '../machine-catalog.js';

/** A persisted XState snapshot as stored in an entity row's `snapshot` column (JSON). */
export type PersistedSnapshot = Readonly<Record<string, unknown>>;

/**
 * One step of a machine's snapshot history: turns a snapshot persisted under machine version `from` into one the
 * machine of version `to` reads. Pure (no I/O, no clock): the same snapshot always gives the same result, and the
 * argument is not modified. Versions are the catalog's content hashes (`machineCatalog[machine].version`).
 */
export interface SnapshotMigration {
  readonly machine: EntityType;
  readonly from: string;
  readonly to: string;
  /** What changed in the machine, for the audit row and `gantry db migrate-snapshots`. */
  readonly description: string;
  readonly migrate: (snapshot: PersistedSnapshot) => PersistedSnapshot;
}

/** Declares a snapshot migration (an identity helper that keeps the literal's types). */
export function snapshotMigration(m: SnapshotMigration): SnapshotMigration {
  return m;
}

/** The context of a persisted snapshot as a plain object (empty when it has none). */
export function contextOf(snapshot: PersistedSnapshot): Readonly<Record<string, unknown>> {
  const c = snapshot['context'];
  return c !== null && typeof c === 'object' && !Array.isArray(c) ? (c as Record<string, unknown>) : {};
}
