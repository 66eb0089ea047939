import { toIso, type TimeInput } from './sql-values.js';

/** Severity of an audit row (SSOT §7.2.2). */
export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** Audit fields a caller gives for the creation row of an entity (seq 1, trigger `create`, no previous hash). */
export interface CreationAudit {
  /** `evt_<ULID>`, unique. */
  readonly eventId: string;
  readonly severity: Severity;
  /** Also the row's `created_at` and `updated_at`: pass the same `now` the machine input got. */
  readonly transitionedAt: TimeInput;
  /** SHA-256 hex of this entry (SSOT §8.5.2), computed by the caller; becomes the row's `last_hash`. */
  readonly hash: string;
  readonly reason?: string | null;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly operator?: string | null;
  readonly runId?: string | null;
  readonly workstreamId?: string | null;
  readonly phaseId?: string | null;
}

/** Audit fields a caller gives for one transition (seq = expected version + 1). */
export interface TransitionAudit extends CreationAudit {
  /** The event type, stored in `trigger`. */
  readonly trigger: string;
  readonly fromState: string;
  /** Hash of the entity's previous audit row (its `last_hash` as loaded). */
  readonly prevHash: string;
  /** Also the row's new `updated_at`: pass the event's `now`. */
  readonly transitionedAt: TimeInput;
}

/** One row of `state_transitions` as read back. */
export interface AuditRecord {
  /** The bigserial id, as a string. */
  readonly id: string;
  readonly eventId: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly seq: number;
  readonly fromState: string | null;
  readonly toState: string;
  readonly trigger: string;
  readonly reason: string | null;
  readonly metadata: Record<string, unknown>;
  readonly operator: string | null;
  readonly runId: string | null;
  readonly workstreamId: string | null;
  readonly phaseId: string | null;
  readonly severity: Severity;
  readonly transitionedAt: Date;
  readonly prevHash: string | null;
  readonly hash: string;
}

/** The values of one audit row, keyed by column (metadata as an object, time as ISO text). */
export function auditRow(
  entityType: string,
  entityId: string,
  seq: number,
  toState: string,
  audit: CreationAudit & { trigger?: string; fromState?: string | null; prevHash?: string | null },
): Record<string, unknown> {
  return {
    event_id: audit.eventId,
    entity_type: entityType,
    entity_id: entityId,
    seq,
    from_state: audit.fromState ?? null,
    to_state: toState,
    trigger: audit.trigger ?? 'create',
    reason: audit.reason ?? null,
    metadata: audit.metadata ?? {},
    operator: audit.operator ?? null,
    run_id: audit.runId ?? null,
    workstream_id: audit.workstreamId ?? null,
    phase_id: audit.phaseId ?? null,
    severity: audit.severity,
    transitioned_at: toIso(audit.transitionedAt),
    prev_hash: audit.prevHash ?? null,
    hash: audit.hash,
  };
}

/** Maps a raw `state_transitions` row to an {@link AuditRecord}. */
export function toAuditRecord(row: Record<string, unknown>): AuditRecord {
  const meta = row['metadata'];
  const at = row['transitioned_at'];
  return {
    id: String(row['id']),
    eventId: String(row['event_id']),
    entityType: String(row['entity_type']),
    entityId: String(row['entity_id']),
    seq: Number(row['seq']),
    fromState: (row['from_state'] as string | null) ?? null,
    toState: String(row['to_state']),
    trigger: String(row['trigger']),
    reason: (row['reason'] as string | null) ?? null,
    metadata: (typeof meta === 'string' ? JSON.parse(meta) : meta) as Record<string, unknown>,
    operator: (row['operator'] as string | null) ?? null,
    runId: (row['run_id'] as string | null) ?? null,
    workstreamId: (row['workstream_id'] as string | null) ?? null,
    phaseId: (row['phase_id'] as string | null) ?? null,
    severity: row['severity'] as Severity,
    transitionedAt: at instanceof Date ? at : new Date(at as string),
    prevHash: (row['prev_hash'] as string | null) ?? null,
    hash: String(row['hash']),
  };
}
