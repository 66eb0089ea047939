import type { Kysely } from 'kysely';
import { loadEntityHeads, readAuditPages, type AuditHashRow, type Database } from '../persistence/index.js';
import { checkHashJob, pushHashRow, type HashJob } from './hash-check.js';
import { HashChecker } from './hash-checker.js';
import { chainEndProblem, verifyChainsInOrder, type ChainVerification } from './verify-chains-in-order.js';

/** Entity rows checked per query when chains close (one round trip per batch, not per entity). */
const CLOSE_BATCH = 5000;
/** Options of {@link verifyChains}. */
export interface VerifyChainsOptions {
  /** Only entities of this type. */
  readonly entityType?: string;
  /** Audit rows read per query; an audit of more than one page is hashed on two threads. Default 5,000. */
  readonly pageSize?: number;
}
/** Pages posted to the hash thread and not answered yet; a page beyond them is hashed on the reading thread. */
const POSTED_AHEAD = 2;

/**
 * Verifies every entity's hash chain (SSOT §8.5; `verifyAudit` runs it in a snapshot): seq runs 1, 2, … without
 * gaps, each row's `prev_hash` is the previous row's hash, each hash recomputes from the row, states link up
 * (`from_state` = previous `to_state`), and the entity row's `last_hash`, version and state are those of its newest
 * audit row. An audit of more than one page is re-hashed on a worker thread (the process's
 * {@link HashChecker.shared}) while this one reads, checks the links and the entity rows, and hashes the pages the
 * worker has no room for. When anything does not hold, the chains are walked again in order
 * ({@link verifyChainsInOrder}), so the first broken link, in (entity_type, entity_id, seq) order, is the one named.
 */
export async function verifyChains(db: Kysely<Database>, opts: VerifyChainsOptions = {}): Promise<ChainVerification> {
  const { byType: _byType, ...chains } = await verifyChainsByType(db, opts);
  return chains;
}

/**
 * {@link verifyChains}, and when every chain holds, how many chains of each entity type were matched to their entity
 * rows (`audit verify` compares them with the tables' row counts); null when something does not hold.
 */
export async function verifyChainsByType(db: Kysely<Database>, opts: VerifyChainsOptions = {}): Promise<ChainVerification & { readonly byType: ReadonlyMap<string, number> | null }> {
  const counts = await chainsHold(db, opts);
  return counts ? { ok: true, entities: counts.entities, rows: counts.rows, firstBroken: null, pass: 'one-read', byType: counts.byType } : { ...(await verifyChainsInOrder(db, { entityType: opts.entityType })), byType: null };
}

/** Whether every chain holds (with the counts), or null as soon as something does not. */
async function chainsHold(db: Kysely<Database>, opts: VerifyChainsOptions): Promise<{ entities: number; rows: number; byType: Map<string, number> } | null> {
  const byType = new Map<string, number>();
  let entities = 0;
  let rows = 0;
  let prev: AuditHashRow | null = null;
  let closed: AuditHashRow[] = [];
  let checker: HashChecker | null = null;
  // Outcomes are held (never a rejection left unobserved while the reading goes on) and thrown where awaited.
  const hashJobs: Promise<Outcome<number>>[] = [];
  const headChecks: Promise<Outcome<boolean>>[] = [];
  /** Checks the closed chains' entity rows (not awaited here: the reading goes on meanwhile). */
  const flush = () => {
    const batch = closed;
    closed = [];
    headChecks.push(held(loadEntityHeads(db, batch.map((c) => ({ entityType: c.entity_type, id: c.entity_id }))).then((found) =>
      batch.every((c) => chainEndProblem({ hash: c.hash, seq: c.seq, toState: c.to_state }, found(c.entity_type, c.entity_id)) === null))));
  };
  const allHold = async (): Promise<boolean> => {
    const [hashes, heads] = await Promise.all([Promise.all(hashJobs), Promise.all(headChecks)]);
    return hashes.every((o) => valueOf(o) < 0) && heads.every(valueOf);
  };
  try {
    let first = true;
    let posted = 0;
    const pageSize = opts.pageSize ?? 5000;
    for await (const page of readAuditPages(db, { entityType: opts.entityType, pageSize })) {
      const job: HashJob = [];
      for (const r of page) {
        if (prev !== null && prev.entity_type === r.entity_type && prev.entity_id === r.entity_id) {
          if (r.seq !== prev.seq + 1 || r.prev_hash !== prev.hash || r.from_state !== prev.to_state) return null;
        } else {
          if (prev !== null) closed.push(prev);
          entities++;
          byType.set(r.entity_type, (byType.get(r.entity_type) ?? 0) + 1);
          if (r.seq !== 1 || r.prev_hash !== null) return null;
        }
        rows++;
        pushHashRow(job, r);
        prev = r;
      }
      if (closed.length >= CLOSE_BATCH) flush();
      // A single page is hashed here. A longer audit goes to the hash thread (started with its first page) while it
      // keeps up; a page it would wait for is hashed here, so both threads hash whatever the machine gives them.
      if ((first && page.length < pageSize) || posted >= POSTED_AHEAD) {
        if (checkHashJob(job) >= 0) return null;
      } else {
        checker ??= HashChecker.shared();
        posted++;
        hashJobs.push(held(checker.check(job).finally(() => posted--)));
      }
      first = false;
    }
    if (prev !== null) closed.push(prev);
    if (closed.length > 0) flush();
    return (await allHold()) ? { entities, rows, byType } : null;
  } finally {
    // Nothing is left in flight on the snapshot's connection, and no answer goes unobserved, whatever happened.
    await Promise.all([...hashJobs, ...headChecks]);
  }
}

type Outcome<T> = { readonly value: T } | { readonly error: unknown };
const held = <T>(p: Promise<T>): Promise<Outcome<T>> => p.then((value) => ({ value }), (error: unknown) => ({ error }));
const valueOf = <T>(o: Outcome<T>): T => {
  if ('error' in o) throw o.error;
  return o.value;
};
