import type { Kysely } from 'kysely';
import { auditHash, loadedEntity, stateColumns, TransitionLog, newEventId, type HashedAuditFields } from '../actors/index.js';
import { entryOf, persistSnapshot, REASON_MAX_LENGTH } from '../machines/index.js';
import { commitTransition, EntityNotFoundError, loadEntity, type Database } from '../persistence/index.js';
import { OverrideRefusedError } from './errors.js';
import { createRetryEntity } from './create-retry-entity.js';
import { OVERRIDE_RULES, type OverrideAction, type OverrideOptions } from './override-actions.js';
import { overrideEvent } from './override-event.js';

/** One authorised manual override request (the operator already authenticated). */
export interface OverrideRequest extends OverrideOptions {
  readonly action: OverrideAction;
  readonly id: string;
  readonly operator: string;
  readonly reason: string;
  /** JSONL file of canonical events, e.g. `.state/transitions.jsonl`; null: none. */
  readonly transitionLog: string | null;
  /** Time source; default `Date.now`. */
  readonly clock?: () => number;
}

/** What an override wrote: the entity moved (or the new entity created by a reset of a terminal one). */
export interface OverrideResult {
  readonly entityType: string;
  readonly id: string;
  readonly fromState: string;
  readonly toState: string;
  readonly version: number;
  /** Set when a terminal task was reset: the new entity, linked by `retry_of` to `id` (SSOT §8.2.3). */
  readonly createdId: string | null;
}

/**
 * Applies a manual override (SSOT §5.2): forces the rule's target state with the context its constraints need,
 * bypassing the machine's guards but not the table's constraints, through the guarded versioned update with an
 * audit row (`trigger` = action, `operator`, `reason`, severity warning, `metadata.override`, the forced snapshot)
 * and a `manual_override` line in the JSONL. A reset of a terminal task creates a new task instead.
 */
export async function applyOverride(db: Kysely<Database>, req: OverrideRequest): Promise<OverrideResult> {
  const rule = OVERRIDE_RULES[req.action];
  // The reason is stored in the audit row, whose reason column holds at most REASON_MAX_LENGTH characters (migration 0006).
  if (req.reason.length > REASON_MAX_LENGTH) {
    throw new OverrideRefusedError(req.action, rule.entityType, req.id, `the reason has ${req.reason.length} characters, at most ${REASON_MAX_LENGTH} allowed`);
  }
  const rec = await loadEntity(db, rule.entityType, req.id);
  if (!rec) throw new EntityNotFoundError(rule.entityType, req.id);
  const entry = entryOf(rule.entityType);
  const log = req.transitionLog ? new TransitionLog(req.transitionLog) : null;
  const now = Math.max((req.clock ?? Date.now)(), rec.updatedAt.getTime());
  if (!rule.from.includes(rec.state)) {
    if (req.action === 'reset-task' && entry.terminal.includes(rec.state)) return createRetryEntity(db, rec, req, now, log);
    throw new OverrideRefusedError(req.action, rule.entityType, req.id, `state '${rec.state}' is not one of ${rule.from.join(', ')}`);
  }
  const entity = loadedEntity(rec);
  const before = entity.snapshot.context as Record<string, unknown>;
  const context = rule.patch(before, now, req.reason, req);
  const snapshot = entry.machine.resolveState({ value: rule.to, context });
  const persisted = persistSnapshot(rule.entityType, snapshot);
  const fields: HashedAuditFields = {
    event_id: newEventId(now),
    entity_type: rule.entityType,
    entity_id: req.id,
    seq: entity.version + 1,
    from_state: entity.state,
    to_state: rule.to,
    trigger: req.action,
    reason: req.reason,
    metadata: { override: true, action: req.action, event_type: 'manual_override', snapshot: persisted, machine_version: entry.version },
    operator: req.operator,
    run_id: entity.runId,
    workstream_id: entity.workstreamId,
    phase_id: entity.phaseId,
    severity: 'warning',
    transitioned_at: new Date(now).toISOString(),
  };
  const hash = auditHash(entity.lastHash, fields);
  const { version } = await commitTransition(db, {
    entityType: rule.entityType,
    id: req.id,
    expectedVersion: entity.version,
    state: rule.to,
    snapshot: persisted,
    machineVersion: entry.version,
    columns: stateColumns(rule.entityType, context),
    audit: {
      eventId: fields.event_id,
      severity: 'warning',
      transitionedAt: now,
      hash,
      prevHash: entity.lastHash ?? '',
      reason: req.reason,
      metadata: fields.metadata as Record<string, unknown>,
      operator: req.operator,
      runId: entity.runId,
      workstreamId: entity.workstreamId,
      phaseId: entity.phaseId,
      trigger: req.action,
      fromState: entity.state,
    },
  });
  await log?.append([overrideEvent(fields)]);
  return { entityType: rule.entityType, id: req.id, fromState: entity.state, toState: rule.to, version, createdId: null };
}
