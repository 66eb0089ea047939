import type { Kysely } from 'kysely';
import { auditHighWater, countEntityRows, entitiesWithoutChain, inSnapshot, type Database, type EntityWithoutChain } from '../persistence/index.js';
import { verifyAuditCheckpoints, type CheckpointVerification } from './audit-checkpoint.js';
import type { AuditKey } from './audit-key.js';
import type { ChainVerification } from './verify-chains-in-order.js';
import { verifyChainsByType } from './verify-chains.js';
import { verifyContentHashes, type ContentVerification } from './verify-coverage.js';

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
  /** Audit rows read per query by the chain check; default 5,000 (more than one page: hashed on two threads). */
  readonly pageSize?: number;
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
    const { byType, ...chains } = await verifyChainsByType(trx, { entityType: type, pageSize: opts.pageSize });
    // Every chain holds and matched its entity row: a table with as many rows as matched chains has none without one.
    const rowCounts = byType ? await countEntityRows(trx, { entityType: type }) : null;
    const covered = rowCounts !== null && [...rowCounts].every(([t, n]) => n === (byType!.get(t) ?? 0));
    const withoutChain = covered ? { total: 0, first: [] } : await entitiesWithoutChain(trx, { entityType: type });
    const content = await verifyContentHashes(trx, { patches: type === undefined || type === 'patch_ledger', runs: type === undefined || type === 'run' });
    const key = opts.key ? { key: opts.key.publicKey, fingerprint: opts.key.fingerprint } : null;
    const checkpoints = await verifyAuditCheckpoints(trx, key, { entityType: type });
    const ok = chains.ok && withoutChain.total === 0 && content.mismatches.length === 0 && checkpoints.failed.length === 0;
    return { ...chains, ok, verifiedThrough, withoutChain, content, checkpoints, keyFingerprint: key?.fingerprint ?? null };
  });
}
