import type { CanonicalEvent, HashedAuditFields } from '../actors/index.js';

/** The canonical JSONL event (SSOT §7.1) of a manual override's audit row: `event_type` `manual_override`, severity warning. */
export function overrideEvent(fields: HashedAuditFields): CanonicalEvent {
  return {
    event_id: fields.event_id,
    timestamp: fields.transitioned_at,
    event_type: 'manual_override',
    severity: 'warning',
    entity_type: fields.entity_type,
    entity_id: fields.entity_id,
    from_state: fields.from_state,
    to_state: fields.to_state,
    trigger: fields.trigger,
    metadata: { ...(fields.metadata as Record<string, unknown>), reason: fields.reason },
    operator: fields.operator,
    context: { run_id: fields.run_id, workstream_id: fields.workstream_id, phase_id: fields.phase_id },
  };
}
