import { isFailureState } from '../machines/index.js';

/** Severity of an audit event (SSOT §7.2.2). */
export type Severity = 'info' | 'warning' | 'error' | 'critical';

/**
 * Severity by SSOT §7.2.2: normal progress info; retry and recovery warning; failures error; a rollback of a
 * committed patch and a critical workstream (or run) failure critical; every manual override warning. Failure states
 * are the states the machine definitions tag `FAILURE_TAG` (`isFailureState`).
 */
export function severityOf(t: { entityType: string; from: string | null; to: string; trigger: string; critical?: boolean; override?: boolean }): Severity {
  if (t.override) return 'warning';
  if (t.entityType === 'patch_ledger' && t.to === 'rolled_back') return 'critical';
  if (t.entityType === 'workstream' && t.to === 'failed' && t.critical) return 'critical';
  if (t.entityType === 'run' && t.to === 'failed' && t.trigger === 'critical_workstream_failed') return 'critical';
  if (t.entityType === 'uet_worker' && t.trigger === 'crashed') return 'error';
  if (isFailureState(t.entityType, t.to)) return 'error';
  if (t.to === 'retrying' || t.trigger === 'retry_apply' || t.trigger === 'heartbeat_recovered' || t.to === 'HALF_OPEN') return 'warning';
  // SSOT §7.2.2: a worker that failed to spawn is a failure (error); a dependency that failed cancels as a warning.
  if (t.trigger === 'spawn_failed') return 'error';
  if (t.trigger === 'dependency_failed') return 'warning';
  return 'info';
}

/** The canonical `event_type` (SSOT §7.1): `<entity>_state_transition`, with the SSOT's named special events. */
export function eventTypeOf(t: { entityType: string; from: string | null; to: string; trigger: string; override?: boolean }): string {
  if (t.override) return 'manual_override';
  if (t.from === null) return `${t.entityType}_created`;
  if (t.entityType === 'circuit_breaker' && t.to === 'OPEN') return 'circuit_breaker_opened';
  if (t.entityType === 'workstream' && t.trigger === 'patch_quarantined') return 'workstream_failed_quarantine';
  return `${t.entityType}_state_transition`;
}
