import { ENTITY_TABLES, type AuditRecord } from '../persistence/index.js';
import { InspectNotFoundError } from './inspect-errors.js';
import { wireTransition, type InspectQueries, type WireTransition } from './inspect-queries.js';

/** Recomputes an audit row's hash from its fields and previous hash (the SHA-256 rule, SSOT §8.5.2); given by the caller. */
export type HashVerifier = (record: AuditRecord, prevHash: string | null) => string;

/** Chain status of one audit row: `ok` (linked, hash recomputed), `linked` (linked, hash not recomputed) or `broken`. */
export type RowChainStatus = 'ok' | 'linked' | 'broken';

/** One audit row with its chain status and, when broken, why. */
export interface CheckedRow {
  readonly record: AuditRecord;
  readonly chain: RowChainStatus;
  readonly problem: string | null;
}

/** The `/api/entity/:type/:id/history` answer: the entity, one page of its audit rows, and the page's chain status. */
export interface EntityHistory {
  readonly entity_type: string;
  readonly id: string;
  readonly state: string;
  readonly version: number;
  /** `intact` when every row of the page holds (hashes recomputed), `linked` (no verifier given), else `broken`. */
  readonly chain: 'intact' | 'linked' | 'broken';
  readonly transitions: readonly (WireTransition & { chain: RowChainStatus; problem: string | null })[];
  /** `after` for the next page, or null on the last page. */
  readonly next: number | null;
}

/**
 * Checks a page of one entity's audit rows (ordered by seq): seq follows the previous row, `prev_hash` is the previous
 * row's hash (null on the creation row) and, with a verifier, the hash recomputes. `before` is the row just before the
 * page (null when the page starts at seq 1).
 */
export function checkChain(rows: readonly AuditRecord[], before: AuditRecord | null, verify: HashVerifier | null): CheckedRow[] {
  let prev = before;
  return rows.map((record) => {
    let problem: string | null = null;
    const expectedSeq = prev ? prev.seq + 1 : 1;
    if (record.seq !== expectedSeq) problem = `seq ${record.seq} follows seq ${prev ? prev.seq : 0}`;
    else if (record.prevHash !== (prev ? prev.hash : null)) problem = 'prev_hash does not match the previous row’s hash';
    else if (verify && verify(record, record.prevHash) !== record.hash) problem = 'hash does not match the row’s fields';
    prev = record;
    return { record, chain: problem ? 'broken' : verify ? 'ok' : 'linked', problem };
  });
}

/** One page of an entity's history with chain status; the last page also checks the entity row's `last_hash`. */
export async function entityHistory(
  queries: InspectQueries,
  type: string,
  id: string,
  page: { after: number; limit: number },
  verify: HashVerifier | null,
): Promise<EntityHistory> {
  if (!Object.hasOwn(ENTITY_TABLES, type)) throw new InspectNotFoundError(`unknown entity type '${type}'`);
  const entity = await queries.entity(type, id);
  if (!entity) throw new InspectNotFoundError(`${type} ${id} does not exist`);
  const { before, rows } = await queries.history(type, id, page.after, page.limit);
  const checked = checkChain(rows, before, verify);
  const last = rows[rows.length - 1];
  const isLastPage = !last || last.seq >= entity.version;
  if (isLastPage && last && entity.lastHash !== null && entity.lastHash !== last.hash) {
    checked[checked.length - 1] = { record: last, chain: 'broken', problem: 'the entity’s last_hash is not its newest row’s hash' };
  }
  const broken = checked.some((c) => c.chain === 'broken');
  return {
    entity_type: type,
    id,
    state: entity.state,
    version: entity.version,
    chain: broken ? 'broken' : verify ? 'intact' : 'linked',
    transitions: checked.map((c) => ({ ...wireTransition(c.record), chain: c.chain, problem: c.problem })),
    next: isLastPage ? null : last.seq,
  };
}
