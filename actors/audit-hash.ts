import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** The fields of an audit row that the hash covers (SSOT §8.5.2): everything but the row id and the hashes. */
export interface HashedAuditFields {
  readonly event_id: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly seq: number;
  readonly from_state: string | null;
  readonly to_state: string;
  readonly trigger: string;
  readonly reason: string | null;
  readonly metadata: unknown;
  readonly operator: string | null;
  readonly run_id: string | null;
  readonly workstream_id: string | null;
  readonly phase_id: string | null;
  readonly severity: string;
  /** ISO-8601 UTC with milliseconds. */
  readonly transitioned_at: string;
}

/** One-shot `crypto.hash` (Node ≥ 20.12; a third of the cost of a Hash object for inputs this small), else a Hash object. */
const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** SHA-256 (hex) over the previous hash of the same entity, a newline and the canonical form of the entry; genesis uses ''. */
export function auditHash(prevHash: string | null, fields: HashedAuditFields): string {
  return sha256Hex(`${prevHash ?? ''}\n${canonicalJson(fields)}`);
}
