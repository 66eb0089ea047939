import { machineCatalog, ENTITY_TYPES, type EntityType } from '../machine-catalog.js';
import { InvalidMigratedSnapshotError, SnapshotMigrationRegistryError, SnapshotVersionError } from './errors.js';
import type { PersistedSnapshot, SnapshotMigration } from './snapshot-migration.js';
import { snapshotProblems } from './snapshot-problems.js';

/** A stored snapshot brought to the current machine version, with the steps taken (none when it was current). */
export interface MigratedSnapshot {
  readonly snapshot: PersistedSnapshot;
  /** The stored version. */
  readonly from: string;
  /** The current version of the machine. */
  readonly to: string;
  readonly steps: readonly SnapshotMigration[];
}

/** Each machine's current version, by entity type; default: the catalog's. */
export type MachineVersions = Readonly<Record<EntityType, string>>;

function catalogVersions(): MachineVersions {
  return Object.fromEntries(ENTITY_TYPES.map((t) => [t, machineCatalog[t].version])) as Record<EntityType, string>;
}

/**
 * A validated registry of snapshot migrations: per machine, migrations chained `from` → `to` that all lead to the
 * machine's current version. Refused with a {@link SnapshotMigrationRegistryError} when a machine has two
 * migrations from one version (a duplicate), a migration that ends at a version no migration continues from and
 * that is not current (a gap), a migration from the current version, or a cycle.
 */
export class SnapshotMigrations {
  private readonly byFrom = new Map<string, SnapshotMigration>();

  constructor(
    readonly list: readonly SnapshotMigration[],
    readonly versions: MachineVersions = catalogVersions(),
  ) {
    for (const type of ENTITY_TYPES) {
      const mine = list.filter((m) => m.machine === type);
      const problems: string[] = [];
      const from = new Map<string, SnapshotMigration>();
      for (const m of mine) {
        if (from.has(m.from)) problems.push(`two migrations from version ${m.from} (duplicate)`);
        if (m.from === m.to) problems.push(`migration ${m.from} → ${m.to} leads nowhere`);
        if (m.from === versions[type]) problems.push(`migration from the current version ${m.from}`);
        from.set(m.from, m);
      }
      for (const m of mine) {
        if (m.to !== versions[type] && !from.has(m.to)) problems.push(`migration ${m.from} → ${m.to} ends at ${m.to}, which is neither current (${versions[type]}) nor continued by another migration (a gap)`);
      }
      for (const m of mine) {
        const seen = new Set<string>();
        for (let at: SnapshotMigration | undefined = m; at; at = from.get(at.to)) {
          if (seen.has(at.from)) {
            problems.push(`migrations from ${m.from} form a cycle`);
            break;
          }
          seen.add(at.from);
        }
      }
      if (problems.length > 0) throw new SnapshotMigrationRegistryError(type, [...new Set(problems)]);
      for (const [v, m] of from) this.byFrom.set(`${type}:${v}`, m);
    }
  }

  /** The current version of a machine. */
  currentVersion(entityType: EntityType): string {
    return this.versions[entityType];
  }

  /** The migrations leading from `version` to the current one (empty when current), or null when none does. */
  pathFrom(entityType: EntityType, version: string): readonly SnapshotMigration[] | null {
    const steps: SnapshotMigration[] = [];
    let at = version;
    while (at !== this.versions[entityType]) {
      const m = this.byFrom.get(`${entityType}:${at}`);
      if (!m) return null;
      steps.push(m);
      at = m.to;
    }
    return steps;
  }

  /**
   * Brings entity `id`'s snapshot, stored under machine version `stored`, to the current version, and checks the
   * result against the current machine (`snapshotProblems`; `rowState` is the row's state column). A current snapshot
   * is returned as is, unchecked. Throws {@link SnapshotVersionError} without a path, {@link InvalidMigratedSnapshotError}
   * when a step throws or its result is refused.
   */
  migrate(entityType: EntityType, id: string, stored: string, snapshot: PersistedSnapshot, rowState?: string): MigratedSnapshot {
    const to = this.versions[entityType];
    if (stored === to) return { snapshot, from: stored, to, steps: [] };
    const steps = this.pathFrom(entityType, stored);
    if (!steps) throw new SnapshotVersionError(entityType, id, stored, to);
    let out = snapshot;
    for (const step of steps) {
      try {
        out = step.migrate(out);
      } catch (err) {
        throw new InvalidMigratedSnapshotError(entityType, id, stored, to, [`migration ${step.from} → ${step.to} threw: ${(err as Error).message}`], { cause: err });
      }
    }
    const problems = snapshotProblems(entityType, out, rowState);
    if (problems.length > 0) throw new InvalidMigratedSnapshotError(entityType, id, stored, to, problems);
    return { snapshot: out, from: stored, to, steps };
  }
}
