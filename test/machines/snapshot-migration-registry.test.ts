import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES, MACHINE_VERSIONS, machineCatalog, SNAPSHOT_MIGRATIONS, snapshotMigration, SnapshotMigrationRegistryError, SnapshotMigrations, snapshotMigrations } from '../../machines/index.js';

// Issue 16: the snapshot migration registry is a set of chains, per machine, that all end at the machine's current
// version; anything else is refused when the registry is built (the registered one at load).

const CURRENT = machineCatalog.task.version;
const step = (from: string, to: string) => snapshotMigration({ machine: 'task', from, to, description: `${from} → ${to}`, migrate: (s) => ({ ...s, steps: [...((s['steps'] as string[] | undefined) ?? []), from] }) });

function refusal(list: Parameters<typeof step>[]): string {
  try {
    new SnapshotMigrations(list.map((a) => step(...a)));
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotMigrationRegistryError);
    expect((err as SnapshotMigrationRegistryError).machine).toBe('task');
    return (err as Error).message;
  }
  throw new Error('not refused');
}

describe('snapshot migration registry', () => {
  it('the registered migrations form valid chains to the current versions', () => {
    expect(snapshotMigrations.list).toBe(SNAPSHOT_MIGRATIONS);
    for (const m of SNAPSHOT_MIGRATIONS) expect(snapshotMigrations.pathFrom(m.machine, m.from)?.at(-1)?.to).toBe(machineCatalog[m.machine].version);
    for (const t of ENTITY_TYPES) expect(snapshotMigrations.pathFrom(t, machineCatalog[t].version)).toEqual([]);
  });

  it('every machine is at the version declared in machines/migrations/machine-versions.ts', () => {
    for (const t of ENTITY_TYPES) {
      expect(
        machineCatalog[t].version,
        `the ${t} machine changed (version ${MACHINE_VERSIONS[t]} → ${machineCatalog[t].version}): register a snapshot migration ` +
          `${MACHINE_VERSIONS[t]} → ${machineCatalog[t].version} in machines/migrations/ (an identity step if stored snapshots keep their shape) and declare the new version`,
      ).toBe(MACHINE_VERSIONS[t]);
    }
  });

  it('chains migrations from an old version through every step, in order', () => {
    const r = new SnapshotMigrations([step('v2', CURRENT), step('v1', 'v2')]);
    expect(r.pathFrom('task', 'v1')!.map((m) => m.from)).toEqual(['v1', 'v2']);
    expect(r.pathFrom('task', 'v0')).toBeNull();
    const context = { worker_id: null, started_at: null, completed_at: null, cancelled_at: null, retry_at: null };
    const migrated = r.migrate('task', 't-1', 'v1', { value: 'pending', status: 'active', context, children: {}, historyValue: {} }, 'pending');
    expect(migrated.snapshot['steps']).toEqual(['v1', 'v2']);
    expect([migrated.from, migrated.to]).toEqual(['v1', CURRENT]);
  });

  it('refuses a duplicate, a gap, a cycle and a migration from the current version', () => {
    expect(refusal([['v1', CURRENT], ['v1', 'v2'], ['v2', CURRENT]])).toContain('two migrations from version v1 (duplicate)');
    expect(refusal([['v1', 'v2']])).toContain(`migration v1 → v2 ends at v2, which is neither current (${CURRENT}) nor continued by another migration (a gap)`);
    expect(refusal([['v1', 'v2'], ['v2', 'v1']])).toContain('form a cycle');
    expect(refusal([[CURRENT, 'v9'], ['v9', CURRENT]])).toContain(`migration from the current version ${CURRENT}`);
  });
});
