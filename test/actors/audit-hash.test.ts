import { describe, expect, it } from 'vitest';
import { auditHash, canonicalAuditFields, type HashedAuditFields } from '../../actors/audit-hash.js';
import { canonicalJson } from '../../actors/canonical-json.js';
import { createHash } from 'node:crypto';

const base: HashedAuditFields = {
  workstream_id: null,
  trigger: 'execution_completed',
  transitioned_at: '2026-12-04T21:44:23.601Z',
  to_state: 'validating',
  severity: 'info',
  seq: 4,
  run_id: 'r1',
  reason: null,
  phase_id: null,
  operator: null,
  metadata: { worker_id: 'w', exit_code: 0, event: { type: 'execution_completed', exit_code: 0, now: 1 } },
  from_state: 'running',
  event_id: 'evt_01J',
  entity_type: 'task',
  entity_id: 't-1',
};

// Every stored hash was computed over canonicalJson of the entry: the field-by-field writer must give that text.
describe('canonicalAuditFields', () => {
  it('is canonicalJson of the entry for ordinary and awkward field values', () => {
    const variants: HashedAuditFields[] = [
      base,
      { ...base, reason: 'line\nbreak "quoted" \\ é 😀 \u2028', operator: 'ops@example', workstream_id: 'ws', phase_id: 'p' },
      { ...base, from_state: null, seq: 1, metadata: {} },
      { ...base, entity_id: '\ud800lone', metadata: { b: [1, { d: undefined, c: null }], a: new Date(0), '9': 'digit key' } },
      { ...base, metadata: [] },
      { ...base, metadata: 'text' },
    ];
    for (const f of variants) expect(canonicalAuditFields(f)).toBe(canonicalJson(f));
  });

  it('takes the general path for fields of another type than declared, an extra field or no metadata', () => {
    const odd = [
      { ...base, seq: Number.NaN },
      { ...base, seq: '4' },
      { ...base, reason: undefined },
      { ...base, metadata: undefined },
      { ...base, extra: 1 },
      { ...base, run_id: 7 },
    ] as unknown as HashedAuditFields[];
    for (const f of odd) expect(canonicalAuditFields(f)).toBe(canonicalJson(f));
  });

  it('is what auditHash digests after the previous hash and a newline', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(auditHash(null, base)).toBe(sha(`\n${canonicalJson(base)}`));
    expect(auditHash('ab12', base)).toBe(sha(`ab12\n${canonicalJson(base)}`));
  });
});
