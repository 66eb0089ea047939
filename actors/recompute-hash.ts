import type { AuditRecord } from '../persistence/index.js';
import { auditHash } from './audit-hash.js';

/** Recomputes the hash of a stored audit row from its fields and the given previous hash (SSOT §8.5.2). */
export function recomputeHash(r: AuditRecord, prevHash: string | null): string {
  // Keys in canonical (sorted) order, so that hashing copies nothing at this level.
  return auditHash(prevHash, {
    entity_id: r.entityId,
    entity_type: r.entityType,
    event_id: r.eventId,
    from_state: r.fromState,
    metadata: r.metadata,
    operator: r.operator,
    phase_id: r.phaseId,
    reason: r.reason,
    run_id: r.runId,
    seq: r.seq,
    severity: r.severity,
    to_state: r.toState,
    transitioned_at: r.transitionedAt.toISOString(),
    trigger: r.trigger,
    workstream_id: r.workstreamId,
  });
}
