import { snapshotMigration } from './snapshot-migration.js';

/**
 * test_gate with manual gates (machine version 4094c1e85f2b) → with abandonment (840403b23fc8, EXT-9): a new edge
 * (`abandoned`, RUNNING → FAILED for a manual gate its task no longer waits for) and no new context: stored
 * snapshots read as they are.
 */
export const testGateAbandoned = snapshotMigration({
  machine: 'test_gate',
  from: '4094c1e85f2b',
  to: '840403b23fc8',
  description: 'new edge abandoned (EXT-9); the stored shape is unchanged',
  migrate: (snapshot) => snapshot,
});
