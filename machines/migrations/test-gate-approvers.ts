import { contextOf, snapshotMigration } from './snapshot-migration.js';

/**
 * test_gate before issue 15 part 3 (machine version 59671e32159a) → with MANUAL gates (4094c1e85f2b): the context
 * gained `approvers` (EXT-6: who may approve or reject a manual gate), which the `isApprover` guard reads. A gate
 * stored before it had no approvers: it gets the empty list, what its creation would have given it now.
 */
export const testGateApprovers = snapshotMigration({
  machine: 'test_gate',
  from: '59671e32159a',
  to: '4094c1e85f2b',
  description: 'context gains approvers (EXT-6 manual gates): [] for gates stored before',
  migrate: (snapshot) => {
    const context = contextOf(snapshot);
    return { ...snapshot, context: { ...context, approvers: Array.isArray(context['approvers']) ? context['approvers'] : [] } };
  },
});
