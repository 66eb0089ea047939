import type { TransitionItem } from '../persistence/index.js';
import type { Decision } from './decide-transition.js';

/** The persistence layer's row update and audit row for a decided transition. */
export function transitionItem(d: Decision): TransitionItem {
  const a = d.audit;
  return {
    entityType: d.next.entityType,
    id: d.next.id,
    expectedVersion: d.expectedVersion,
    state: d.next.state,
    snapshot: d.persisted,
    machineVersion: d.next.machineVersion,
    columns: d.columns,
    audit: {
      eventId: a.event_id,
      severity: a.severity as 'info',
      // The event's time (epoch ms), the instant `transitioned_at` was written from.
      transitionedAt: d.next.updatedAt,
      hash: a.hash,
      prevHash: a.prev_hash ?? '',
      reason: a.reason,
      metadata: a.metadata as Record<string, unknown>,
      operator: a.operator,
      runId: a.run_id,
      workstreamId: a.workstream_id,
      phaseId: a.phase_id,
      trigger: a.trigger,
      fromState: a.from_state ?? '',
    },
  };
}
