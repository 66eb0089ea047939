import type { MachineVersions } from './snapshot-migrations.js';

/**
 * The machine versions this build's stored snapshots are written under, declared where the snapshot migrations are:
 * each is the catalog's content hash of the machine (`machineCatalog[type].version`, derived from its states and
 * transitions), which test/machines/snapshot-migration-registry.test.ts checks. Changing a machine changes its hash;
 * that test then fails until the change is acknowledged here, with a snapshot migration from the previous version
 * to the new one registered in SNAPSHOT_MIGRATIONS (an identity step when the stored shape did not change) — else
 * every entity stored under the previous version would be refused (`SnapshotVersionError`).
 */
export const MACHINE_VERSIONS: MachineVersions = {
  run: '6b1cb59ea5b5',
  workstream: '767b124d5120',
  task: 'daad85ad783f',
  worker: 'ec35ce271de7',
  uet_worker: 'e729628b396a',
  patch_ledger: '6e946098aee8',
  test_gate: '840403b23fc8',
  circuit_breaker: '90b72c8226bf',
};
