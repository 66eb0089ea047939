import type { Kysely } from 'kysely';
import { loadEntityHeads, readAllChains, type AuditRecord, type Database, type EntityHead } from '../persistence/index.js';
import { recomputeHash } from './recompute-hash.js';

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
  /**
   * How the chains were checked: `one-read` (read once, every chain held; an audit longer than a page re-hashed on a
   * second thread beside the reading), or `in-order` (walked row by row, which names the first broken link: something
   * did not hold, or it was asked for).
   */
  readonly pass: 'one-read' | 'in-order';
}

/** Entity rows checked per query when chains close (one round trip per batch, not per entity). */
const CLOSE_BATCH = 500;

/**
 * Verifies every entity's hash chain as it reads, one row after another, and names the first broken link (SSOT §8.5;
 * `verifyChains` runs it when its faster check found something wrong): seq runs 1, 2, … without gaps, each row's `prev_hash` is the
 * previous row's hash, each hash recomputes from the row, states link up (`from_state` = previous `to_state`), and
 * the entity row's `last_hash` and state are those of its newest audit row. Stops at the first broken link. The
 * entity rows are read in batches of closed chains; a break is still reported in (entity_type, entity_id, seq) order.
 */
export async function verifyChainsInOrder(db: Kysely<Database>, opts: { entityType?: string } = {}): Promise<ChainVerification> {
  let entities = 0;
  let rows = 0;
  let prev: AuditRecord | null = null;
  const broken = (r: AuditRecord, problem: string, at = { entities, rows }): ChainVerification => ({
    ok: false,
    pass: 'in-order',
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
    // No hash was ever written over a time JavaScript cannot hold (an edited `infinity`, a year past 275760).
    if (Number.isNaN(r.transitionedAt.getTime())) return breakAt(r, `transitioned_at is no time a hash can cover`);
    const expected = recomputeHash(r, sameEntity ? prev!.hash : null);
    if (expected !== r.hash) return breakAt(r, `hash does not match the row's contents (expected ${expected})`);
    prev = r;
  }
  if (prev) closed.push({ last: prev, entities, rows });
  return (await flush()) ?? { ok: true, entities, rows, firstBroken: null, pass: 'in-order' };
}

/** What is wrong with an entity row against the newest row of its audit chain, or null when they agree. */
export function chainEndProblem(last: Pick<AuditRecord, 'hash' | 'seq' | 'toState'>, rec: EntityHead | undefined): string | null {
  if (!rec) return 'audit rows exist for an entity row that does not';
  if (rec.lastHash !== last.hash) return `entity row last_hash ${rec.lastHash} is not the newest audit hash ${last.hash}`;
  if (rec.version !== last.seq) return `entity row version ${rec.version} but the audit ends at seq ${last.seq}`;
  if (rec.state !== last.toState) return `entity row state '${rec.state}' but the audit ends in '${last.toState}'`;
  return null;
}
