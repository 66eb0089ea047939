import * as crypto from 'node:crypto';
import { canonicalJson, jsonString } from './canonical-json.js';

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
  return sha256Hex(`${prevHash ?? ''}\n${canonicalAuditFields(fields)}`);
}

/** A text field's JSON (null stays null), or undefined when it is neither (the whole entry then takes the general path). */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? jsonString(v) : v === null ? 'null' : undefined);

/**
 * `canonicalJson(fields)`, written field by field in the canonical (sorted) key order: the entry's shape is fixed, so
 * only its metadata goes through the general writer. A field of another type than declared (a JavaScript caller)
 * takes the general path, so the text is the same either way.
 */
export function canonicalAuditFields(f: HashedAuditFields): string {
  const entityId = text(f.entity_id), entityType = text(f.entity_type), eventId = text(f.event_id), from = text(f.from_state);
  const operator = text(f.operator), phase = text(f.phase_id), reason = text(f.reason), run = text(f.run_id);
  const severity = text(f.severity), to = text(f.to_state), at = text(f.transitioned_at), trigger = text(f.trigger), ws = text(f.workstream_id);
  if (
    entityId === undefined || entityType === undefined || eventId === undefined || from === undefined || operator === undefined ||
    phase === undefined || reason === undefined || run === undefined || severity === undefined || to === undefined ||
    at === undefined || trigger === undefined || ws === undefined || typeof f.seq !== 'number' || !Number.isFinite(f.seq) ||
    f.metadata === undefined || Object.keys(f).length !== 15
  ) return canonicalJson(f);
  return `{"entity_id":${entityId},"entity_type":${entityType},"event_id":${eventId},"from_state":${from},"metadata":${canonicalJson(f.metadata)},"operator":${operator},"phase_id":${phase},"reason":${reason},"run_id":${run},"seq":${f.seq},"severity":${severity},"to_state":${to},"transitioned_at":${at},"trigger":${trigger},"workstream_id":${ws}}`;
}

