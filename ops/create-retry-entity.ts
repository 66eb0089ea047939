import type { Kysely } from 'kysely';
import { auditHash, newEventId, stateColumns, type HashedAuditFields, type TransitionLog } from '../actors/index.js';
import { entryOf, initialSnapshot, parseInput, persistSnapshot } from '../machines/index.js';
import { insertEntity, loadEntity, readHistory, type Database, type EntityRecord } from '../persistence/index.js';
import { OverrideRefusedError } from './errors.js';
import type { OverrideRequest, OverrideResult } from './apply-override.js';
import { overrideEvent } from './override-event.js';

/** The first free id `<id>-r<n>` (n = 1, 2, …) for the retry of entity `id`. */
async function retryId(db: Kysely<Database>, entityType: string, id: string): Promise<string> {
  const base = id.length > 120 ? id.slice(0, 120) : id;
  for (let n = 1; ; n++) {
    const candidate = `${base}-r${n}`;
    if (!(await loadEntity(db, entityType, candidate))) return candidate;
  }
}

/**
 * A reset of a terminal entity (SSOT §8.2.3): a NEW entity from the old one's creation input, linked by `retry_of`
 * and to the same run and workstream, starting in the initial state with a fresh retry count; the old entity is
 * left as it was. Its creation row carries the operator, the reason and `metadata.override`.
 */
export async function createRetryEntity(db: Kysely<Database>, old: EntityRecord, req: OverrideRequest, now: number, log: TransitionLog | null): Promise<OverrideResult> {
  const entry = entryOf(old.entityType);
  const [creation] = await readHistory(db, old.entityType, old.id);
  const oldInput = creation?.metadata['input'];
  if (!oldInput || typeof oldInput !== 'object') throw new OverrideRefusedError(req.action, old.entityType, old.id, 'its creation row holds no input to start a retry from');
  const input = parseInput(old.entityType, { ...(oldInput as Record<string, unknown>), now });
  const snap = initialSnapshot(old.entityType, input);
  const id = await retryId(db, old.entityType, old.id);
  const links: Record<string, unknown> = { retry_of: old.id };
  for (const k of ['run_id', 'workstream_id', 'phase_id'] as const) if (typeof old.columns[k] === 'string') links[k] = old.columns[k];
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const fields: HashedAuditFields = {
    event_id: newEventId(now),
    entity_type: old.entityType,
    entity_id: id,
    seq: 1,
    from_state: null,
    to_state: String(snap.value),
    trigger: 'create',
    reason: req.reason,
    metadata: { input, machine_version: entry.version, override: true, action: req.action, event_type: 'manual_override', retry_of: old.id },
    operator: req.operator,
    run_id: str(links['run_id']),
    workstream_id: str(links['workstream_id']),
    phase_id: str(links['phase_id']),
    severity: 'warning',
    transitioned_at: new Date(now).toISOString(),
  };
  const hash = auditHash(null, fields);
  const rec = await insertEntity(db, {
    entityType: old.entityType,
    id,
    state: String(snap.value),
    snapshot: persistSnapshot(old.entityType, snap),
    machineVersion: entry.version,
    columns: { ...stateColumns(old.entityType, snap.context as Record<string, unknown>), ...links },
    audit: {
      eventId: fields.event_id,
      severity: 'warning',
      transitionedAt: now,
      hash,
      reason: req.reason,
      metadata: fields.metadata as Record<string, unknown>,
      operator: req.operator,
      runId: fields.run_id,
      workstreamId: fields.workstream_id,
      phaseId: fields.phase_id,
    },
  });
  await log?.append([overrideEvent(fields)]);
  return { entityType: old.entityType, id: old.id, fromState: old.state, toState: old.state, version: old.version, createdId: rec.id };
}
