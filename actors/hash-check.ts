import type { AuditHashRow } from '../persistence/index.js';
import { auditHash } from './audit-hash.js';

/** Values per row in a {@link HashJob}: the 15 hashed fields, the previous hash and the stored hash. */
export const HASH_JOB_STRIDE = 17;

/**
 * Audit rows to re-hash, flattened (structured-clone friendly: one array of strings, numbers and nulls, posted to the
 * hash worker without per-row objects): per row the stored `prev_hash`, the hashed fields in canonical order with the
 * metadata as its stored JSON text, then the stored `hash`.
 */
export type HashJob = (string | number | null)[];

/** Appends a row to a job. */
export function pushHashRow(job: HashJob, r: AuditHashRow): void {
  job.push(
    r.prev_hash, r.entity_id, r.entity_type, r.event_id, r.from_state, r.metadata_text, r.operator, r.phase_id, r.reason, r.run_id,
    r.seq, r.severity, r.to_state, r.transitioned_ms === null ? null : Number(r.transitioned_ms), r.trigger, r.workstream_id, r.hash,
  );
}

const str = (v: string | number | null): string => String(v);
const opt = (v: string | number | null): string | null => (v === null ? null : String(v));

/**
 * Recomputes each row's hash (SSOT §8.5.2, {@link auditHash}: the same function the writer used) over its stored
 * previous hash and compares it with the stored one: the index of the first row whose hash differs, or -1. The
 * caller checks separately that each stored previous hash is the hash of the row before it.
 */
export function checkHashJob(job: HashJob): number {
  for (let i = 0, row = 0; i < job.length; i += HASH_JOB_STRIDE, row++) {
    const ms = job[i + 13];
    // A time no Date holds cannot be the one hashed: the row does not check (the in-order walk then says why).
    if (typeof ms !== 'number' || !(Math.abs(ms) <= 8.64e15)) return row;
    const expected = auditHash(opt(job[i]!), {
      entity_id: str(job[i + 1]!),
      entity_type: str(job[i + 2]!),
      event_id: str(job[i + 3]!),
      from_state: opt(job[i + 4]!),
      metadata: JSON.parse(str(job[i + 5]!)) as unknown,
      operator: opt(job[i + 6]!),
      phase_id: opt(job[i + 7]!),
      reason: opt(job[i + 8]!),
      run_id: opt(job[i + 9]!),
      seq: Number(job[i + 10]),
      severity: str(job[i + 11]!),
      to_state: str(job[i + 12]!),
      transitioned_at: new Date(ms).toISOString(),
      trigger: str(job[i + 14]!),
      workstream_id: opt(job[i + 15]!),
    });
    if (expected !== job[i + 16]) return row;
  }
  return -1;
}
