import type { Kysely } from 'kysely';
import { decideStoredSnapshotMigration, type StoredSnapshotMigration } from '../actors/index.js';
import { ENTITY_TYPES, entityTypeOf, InvalidMigratedSnapshotError, snapshotMigrations, SnapshotVersionError, type SnapshotMigrations } from '../machines/index.js';
import { commitTransitions, loadEntities, staleEntityPages, type Database, type EntityRecord, type TransitionItem } from '../persistence/index.js';

/** Options of {@link migrateSnapshots}. */
export interface MigrateSnapshotsOptions {
  /** Decide and count only, write nothing; default false. */
  readonly dryRun?: boolean;
  /** Entities read and written per statement; default 500. */
  readonly batchSize?: number;
  /** The registry; default the registered migrations (machines/migrations/). */
  readonly migrations?: SnapshotMigrations;
  /** Time source of the audit rows; default `Date.now`. */
  readonly clock?: () => number;
  /** Recorded as the audit rows' operator; default null. */
  readonly operator?: string | null;
}

/** Counts of one machine's entities stored under one older version. */
export interface SnapshotVersionCount {
  readonly entityType: string;
  readonly from: string;
  readonly to: string;
  /** Written with the current version (or, in a dry run, that would be). */
  readonly migrated: number;
  /** Terminal entities: never rewritten (SSOT §8.2), migrated in memory on every read. */
  readonly terminal: number;
  /** Without a migration path, or whose migrated snapshot the current machine refuses. */
  readonly refused: number;
}

/** One entity refused, with the error that names it and both versions. */
export interface RefusedSnapshot {
  readonly entityType: string;
  readonly id: string;
  readonly storedVersion: string;
  readonly currentVersion: string;
  readonly error: SnapshotVersionError | InvalidMigratedSnapshotError;
}

/** What {@link migrateSnapshots} did: counts in machine order, then by stored version. */
export interface MigrateSnapshotsResult {
  readonly dryRun: boolean;
  readonly counts: readonly SnapshotVersionCount[];
  readonly refused: readonly RefusedSnapshot[];
}

/** Re-reads of entities that another writer moved meanwhile (optimistic locking) before giving up: 5. */
const CONFLICT_ATTEMPTS = 5;

/**
 * Migrates every stored entity whose snapshot was persisted under an older machine version to the current one
 * (issue 16): per machine, the stale rows in id order and in batches, each decided purely
 * (`decideStoredSnapshotMigration`: migrated, checked, an audit row `snapshot_migration` chained to the entity's hash)
 * and written with the guarded versioned update (optimistic locking: an entity another writer moved meanwhile is
 * re-read and decided again). Terminal entities stay as stored. Entities without a path are refused and listed, not
 * written; the others are migrated anyway. Idempotent: a second run finds nothing to write.
 */
export async function migrateSnapshots(db: Kysely<Database>, opts: MigrateSnapshotsOptions = {}): Promise<MigrateSnapshotsResult> {
  const migrations = opts.migrations ?? snapshotMigrations;
  const clock = opts.clock ?? Date.now;
  const counts = new Map<string, { entityType: string; from: string; to: string; migrated: number; terminal: number; refused: number }>();
  const refused: RefusedSnapshot[] = [];
  const count = (entityType: string, from: string, to: string) => {
    const key = `${entityType}\u0000${from}`;
    return counts.get(key) ?? counts.set(key, { entityType, from, to, migrated: 0, terminal: 0, refused: 0 }).get(key)!;
  };
  const decide = (rec: EntityRecord): StoredSnapshotMigration | null => {
    const current = migrations.currentVersion(entityTypeOf(rec.entityType));
    try {
      return decideStoredSnapshotMigration(rec, clock(), { migrations, operator: opts.operator ?? null });
    } catch (error) {
      if (!(error instanceof SnapshotVersionError || error instanceof InvalidMigratedSnapshotError)) throw error;
      count(rec.entityType, rec.machineVersion, current).refused++;
      refused.push({ entityType: rec.entityType, id: rec.id, storedVersion: rec.machineVersion, currentVersion: current, error });
      return null;
    }
  };
  for (const type of ENTITY_TYPES) {
    for await (const page of staleEntityPages(db, type, migrations.currentVersion(type), opts.batchSize ?? 500)) {
      let records = page;
      for (let attempt = 1; records.length > 0; attempt++) {
        const writes: { from: string; to: string; item: TransitionItem }[] = [];
        for (const rec of records) {
          const d = decide(rec);
          if (d?.kind === 'terminal') count(type, d.from, d.to).terminal++;
          if (d?.kind === 'write') writes.push(d);
        }
        if (opts.dryRun) {
          for (const w of writes) count(type, w.from, w.to).migrated++;
          break;
        }
        const results = writes.length > 0 ? await commitTransitions(db, writes.map((w) => w.item)) : [];
        const conflicted: string[] = [];
        results.forEach((r, i) => {
          if (r.ok) count(type, writes[i]!.from, writes[i]!.to).migrated++;
          else if (r.actualVersion !== null) conflicted.push(writes[i]!.item.id);
        });
        if (conflicted.length > 0 && attempt >= CONFLICT_ATTEMPTS) {
          throw new Error(`${type} ${conflicted.join(', ')} kept changing during the snapshot migration (${CONFLICT_ATTEMPTS} attempts): run it again`);
        }
        // Re-read the entities another writer moved: the ones it wrote with the current version drop out.
        const reread = await loadEntities(db, type, conflicted);
        records = [...reread.values()].filter((r) => r.machineVersion !== migrations.currentVersion(type));
      }
    }
  }
  const ordered = [...counts.values()].sort((a, b) => ENTITY_TYPES.indexOf(entityTypeOf(a.entityType)) - ENTITY_TYPES.indexOf(entityTypeOf(b.entityType)) || a.from.localeCompare(b.from));
  return { dryRun: opts.dryRun ?? false, counts: ordered, refused };
}
