import type { Kysely } from 'kysely';
import { loadEntity, readAllChains, type AuditRecord, type Database } from '../persistence/index.js';
import { auditHash } from './audit-hash.js';

/** The first place an audit chain does not hold. */
export interface BrokenLink {
  readonly entityType: string;
  readonly entityId: string;
  readonly seq: number;
  readonly eventId: string;
  readonly problem: string;
}

/** Result of {@link verifyAudit}. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly entities: number;
  readonly rows: number;
  /** The first broken link found, in (entity_type, entity_id, seq) order; null when every chain holds. */
  readonly firstBroken: BrokenLink | null;
}

/** Recomputes the hash of a stored audit row from its fields and the given previous hash (SSOT §8.5.2). */
export function recomputeHash(r: AuditRecord, prevHash: string | null): string {
  return auditHash(prevHash, {
    event_id: r.eventId,
    entity_type: r.entityType,
    entity_id: r.entityId,
    seq: r.seq,
    from_state: r.fromState,
    to_state: r.toState,
    trigger: r.trigger,
    reason: r.reason,
    metadata: r.metadata,
    operator: r.operator,
    run_id: r.runId,
    workstream_id: r.workstreamId,
    phase_id: r.phaseId,
    severity: r.severity,
    transitioned_at: r.transitionedAt.toISOString(),
  });
}

/**
 * Verifies every entity's hash chain (SSOT §8.5): seq runs 1, 2, … without gaps, each row's `prev_hash` is the
 * previous row's hash, each hash recomputes from the row, states link up (`from_state` = previous `to_state`), and
 * the entity row's `last_hash` and state are those of its newest audit row. Stops at the first broken link.
 */
export async function verifyAudit(db: Kysely<Database>, opts: { entityType?: string } = {}): Promise<AuditVerification> {
  let entities = 0;
  let rows = 0;
  let prev: AuditRecord | null = null;
  const broken = (r: AuditRecord, problem: string): AuditVerification => ({
    ok: false,
    entities,
    rows,
    firstBroken: { entityType: r.entityType, entityId: r.entityId, seq: r.seq, eventId: r.eventId, problem },
  });
  const closeChain = async (last: AuditRecord): Promise<string | null> => {
    const rec = await loadEntity(db, last.entityType, last.entityId);
    if (!rec) return 'audit rows exist for an entity row that does not';
    if (rec.lastHash !== last.hash) return `entity row last_hash ${rec.lastHash} is not the newest audit hash ${last.hash}`;
    if (rec.version !== last.seq) return `entity row version ${rec.version} but the audit ends at seq ${last.seq}`;
    if (rec.state !== last.toState) return `entity row state '${rec.state}' but the audit ends in '${last.toState}'`;
    return null;
  };
  for await (const r of readAllChains(db, opts)) {
    const sameEntity = prev !== null && prev.entityType === r.entityType && prev.entityId === r.entityId;
    if (!sameEntity) {
      if (prev) {
        const problem = await closeChain(prev);
        if (problem) return broken(prev, problem);
      }
      entities++;
      if (r.seq !== 1) return broken(r, `chain starts at seq ${r.seq}, not 1`);
      if (r.prevHash !== null) return broken(r, 'first row has a prev_hash');
    } else {
      if (r.seq !== prev!.seq + 1) return broken(r, `seq ${r.seq} follows ${prev!.seq}`);
      if (r.prevHash !== prev!.hash) return broken(r, `prev_hash ${r.prevHash} is not the hash of seq ${prev!.seq}`);
      if (r.fromState !== prev!.toState) return broken(r, `from_state '${r.fromState}' is not the previous to_state '${prev!.toState}'`);
    }
    rows++;
    const expected = recomputeHash(r, sameEntity ? prev!.hash : null);
    if (expected !== r.hash) return broken(r, `hash does not match the row's contents (expected ${expected})`);
    prev = r;
  }
  if (prev) {
    const problem = await closeChain(prev);
    if (problem) return broken(prev, problem);
  }
  return { ok: true, entities, rows, firstBroken: null };
}
