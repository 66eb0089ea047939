import type { Kysely } from 'kysely';
import { auditHighWater, entitiesWithoutChain, inSnapshot, loadEntityHeads, readAllChains, type AuditRecord, type Database, type EntityHead, type EntityWithoutChain } from '../persistence/index.js';
import { verifyAuditCheckpoints, type CheckpointVerification } from './audit-checkpoint.js';
import { auditHash } from './audit-hash.js';
import type { AuditKey } from './audit-key.js';
import { verifyContentHashes, type ContentVerification } from './verify-coverage.js';

/** The first place an audit chain does not hold. */
export interface BrokenLink {
  readonly entityType: string;
  readonly entityId: string;
  readonly seq: number;
  readonly eventId: string;
  readonly problem: string;
}

/** Result of the chain walk of {@link verifyAudit}. */
export interface ChainVerification {
  readonly ok: boolean;
  readonly entities: number;
  readonly rows: number;
  /** The first broken link found, in (entity_type, entity_id, seq) order; null when every chain holds. */
  readonly firstBroken: BrokenLink | null;
}

/** Result of {@link verifyAudit}: `ok` when every part holds. */
export interface AuditVerification extends ChainVerification {
  /** The highest audit row id in the snapshot verified: rows a running engine commits later are not judged. */
  readonly verifiedThrough: string;
  /** Entity rows without an audit row at their version, hash and state (an emptied or truncated audit). */
  readonly withoutChain: { readonly total: number; readonly first: readonly EntityWithoutChain[] };
  /** `patches.diff` and `run_sources.plan` against the hashes their audit recorded. */
  readonly content: ContentVerification;
  /** The signed checkpoints. */
  readonly checkpoints: CheckpointVerification;
  /** Fingerprint of the key the signatures were checked with; null when none was given. */
  readonly keyFingerprint: string | null;
}

/** Options of {@link verifyAudit}. */
export interface VerifyAuditOptions {
  /** Only entities of this type (and, for the hashes, only its table: patches for patch_ledger, plans for run). */
  readonly entityType?: string;
  /** The audit key whose public half checks the checkpoints' signatures; default none (signatures unchecked). */
  readonly key?: AuditKey | null;
}

/**
 * Verifies everything the audit answers for (SSOT §8.5, issue 11), in ONE read-only snapshot (REPEATABLE READ), so
 * rows a running engine commits meanwhile are neither seen nor reported as breaks: every hash chain
 * ({@link verifyChains}); every entity row has its chain (an emptied or truncated `state_transitions` fails, naming
 * the entities); patch diffs and recorded plans match their audited SHA-256; every signed checkpoint holds.
 */
export async function verifyAudit(db: Kysely<Database>, opts: VerifyAuditOptions = {}): Promise<AuditVerification> {
  const type = opts.entityType;
  return inSnapshot(db, async (trx) => {
    const verifiedThrough = await auditHighWater(trx);
    const chains = await verifyChains(trx, { entityType: type });
    const withoutChain = await entitiesWithoutChain(trx, { entityType: type });
    const content = await verifyContentHashes(trx, { patches: type === undefined || type === 'patch_ledger', runs: type === undefined || type === 'run' });
    const key = opts.key ? { key: opts.key.publicKey, fingerprint: opts.key.fingerprint } : null;
    const checkpoints = await verifyAuditCheckpoints(trx, key, { entityType: type });
    const ok = chains.ok && withoutChain.total === 0 && content.mismatches.length === 0 && checkpoints.failed.length === 0;
    return { ...chains, ok, verifiedThrough, withoutChain, content, checkpoints, keyFingerprint: key?.fingerprint ?? null };
  });
}

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

/** Entity rows checked per query when chains close (one round trip per batch, not per entity). */
const CLOSE_BATCH = 500;

/**
 * Verifies every entity's hash chain as it reads (SSOT §8.5; {@link verifyAudit} runs it in a snapshot): seq runs 1, 2, … without gaps, each row's `prev_hash` is the
 * previous row's hash, each hash recomputes from the row, states link up (`from_state` = previous `to_state`), and
 * the entity row's `last_hash` and state are those of its newest audit row. Stops at the first broken link. The
 * entity rows are read in batches of closed chains; a break is still reported in (entity_type, entity_id, seq) order.
 */
export async function verifyChains(db: Kysely<Database>, opts: { entityType?: string } = {}): Promise<ChainVerification> {
  let entities = 0;
  let rows = 0;
  let prev: AuditRecord | null = null;
  const broken = (r: AuditRecord, problem: string, at = { entities, rows }): ChainVerification => ({
    ok: false,
    entities: at.entities,
    rows: at.rows,
    firstBroken: { entityType: r.entityType, entityId: r.entityId, seq: r.seq, eventId: r.eventId, problem },
  });
  /** Chains read to their end whose entity row is not checked yet, with the counts at that point. */
  let closed: { last: AuditRecord; entities: number; rows: number }[] = [];
  /** Checks the closed chains' entity rows (one query per entity type), in order; the first problem, or null. */
  const flush = async (): Promise<ChainVerification | null> => {
    const batch = closed;
    closed = [];
    const found = await loadEntityHeads(db, batch.map((c) => ({ entityType: c.last.entityType, id: c.last.entityId })));
    for (const c of batch) {
      const problem = chainEndProblem(c.last, found(c.last.entityType, c.last.entityId));
      if (problem) return broken(c.last, problem, c);
    }
    return null;
  };
  /** A break found while reading: entities before it are checked first, so the first break is the one reported. */
  const breakAt = async (r: AuditRecord, problem: string): Promise<ChainVerification> => (await flush()) ?? broken(r, problem);
  for await (const r of readAllChains(db, opts)) {
    const sameEntity = prev !== null && prev.entityType === r.entityType && prev.entityId === r.entityId;
    if (!sameEntity) {
      if (prev) {
        closed.push({ last: prev, entities, rows });
        if (closed.length >= CLOSE_BATCH) {
          const failed = await flush();
          if (failed) return failed;
        }
      }
      entities++;
      if (r.seq !== 1) return breakAt(r, `chain starts at seq ${r.seq}, not 1`);
      if (r.prevHash !== null) return breakAt(r, 'first row has a prev_hash');
    } else {
      if (r.seq !== prev!.seq + 1) return breakAt(r, `seq ${r.seq} follows ${prev!.seq}`);
      if (r.prevHash !== prev!.hash) return breakAt(r, `prev_hash ${r.prevHash} is not the hash of seq ${prev!.seq}`);
      if (r.fromState !== prev!.toState) return breakAt(r, `from_state '${r.fromState}' is not the previous to_state '${prev!.toState}'`);
    }
    rows++;
    const expected = recomputeHash(r, sameEntity ? prev!.hash : null);
    if (expected !== r.hash) return breakAt(r, `hash does not match the row's contents (expected ${expected})`);
    prev = r;
  }
  if (prev) closed.push({ last: prev, entities, rows });
  return (await flush()) ?? { ok: true, entities, rows, firstBroken: null };
}

/** What is wrong with an entity row against the newest row of its audit chain, or null when they agree. */
function chainEndProblem(last: AuditRecord, rec: EntityHead | undefined): string | null {
  if (!rec) return 'audit rows exist for an entity row that does not';
  if (rec.lastHash !== last.hash) return `entity row last_hash ${rec.lastHash} is not the newest audit hash ${last.hash}`;
  if (rec.version !== last.seq) return `entity row version ${rec.version} but the audit ends at seq ${last.seq}`;
  if (rec.state !== last.toState) return `entity row state '${rec.state}' but the audit ends in '${last.toState}'`;
  return null;
}
