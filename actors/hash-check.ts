import type { AuditHashRow } from '../persistence/index.js';
import { auditHash } from './audit-hash.js';

/** Values per row in a {@link HashJob}. */
export const HASH_JOB_STRIDE = 8;

/**
 * Audit rows to re-hash, flattened (structured-clone friendly: one array of strings, numbers and nulls, posted to the
 * hash worker without per-row objects): per row the stored `prev_hash`, `entity_id`, `entity_type`, `from_state`,
 * `seq`, `to_state`, the JSON array of the other hashed fields ({@link AuditHashRow}), and the stored `hash`.
 */
export type HashJob = (string | number | null)[];

/** Appends a row to a job. */
export function pushHashRow(job: HashJob, r: AuditHashRow): void {
  job.push(r.prev_hash, r.entity_id, r.entity_type, r.from_state, r.seq, r.to_state, r.rest, r.hash);
}

const str = (v: unknown): string => String(v);
const opt = (v: unknown): string | null => (v === null ? null : String(v));

/**
 * Recomputes each row's hash (SSOT §8.5.2, {@link auditHash}: the same function the writer used) over its stored
 * previous hash and compares it with the stored one: the index of the first row whose hash differs, or -1. The
 * caller checks separately that each stored previous hash is the hash of the row before it.
 */
export function checkHashJob(job: HashJob): number {
  for (let i = 0, row = 0; i < job.length; i += HASH_JOB_STRIDE, row++) {
    const rest = JSON.parse(str(job[i + 6])) as unknown[];
    const ms = rest[8];
    // A time no Date holds cannot be the one hashed: the row does not check (the in-order walk then says why).
    if (typeof ms !== 'number' || !(Math.abs(ms) <= 8.64e15)) return row;
    const expected = auditHash(opt(job[i]), {
      entity_id: str(job[i + 1]),
      entity_type: str(job[i + 2]),
      event_id: str(rest[0]),
      from_state: opt(job[i + 3]),
      metadata: rest[9],
      operator: opt(rest[3]),
      phase_id: opt(rest[6]),
      reason: opt(rest[2]),
      run_id: opt(rest[4]),
      seq: Number(job[i + 4]),
      severity: str(rest[7]),
      to_state: str(job[i + 5]),
      transitioned_at: new Date(ms).toISOString(),
      trigger: str(rest[1]),
      workstream_id: opt(rest[5]),
    });
    if (expected !== job[i + 7]) return row;
  }
  return -1;
}
