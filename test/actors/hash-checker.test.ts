import { afterAll, describe, expect, it } from 'vitest';
import { auditHash } from '../../actors/audit-hash.js';
import { checkHashJob, pushHashRow, type HashJob } from '../../actors/hash-check.js';
import { HashChecker } from '../../actors/hash-checker.js';

/** Three audit rows of one chain as the database hands them to the check, each hashed as the writer hashes it. */
function chain(): HashJob {
  const job: HashJob = [];
  let prev: string | null = null;
  for (let seq = 1; seq <= 3; seq++) {
    const at = 1_733_350_000_000 + seq;
    const metadata = { worker_id: 'w1', event: { type: 'e', n: seq, s: 'é "q"' } };
    const fields = {
      entity_id: 't1', entity_type: 'task', event_id: `evt_${seq}`, from_state: seq === 1 ? null : `s${seq - 1}`, metadata,
      operator: null, phase_id: null, reason: seq === 2 ? 'line\nbreak' : null, run_id: 'r1', seq, severity: 'info',
      to_state: `s${seq}`, transitioned_at: new Date(at).toISOString(), trigger: seq === 1 ? 'create' : 'e', workstream_id: null,
    };
    const hash = auditHash(prev, fields);
    // The database's JSON array of the fields the links don't need (persistence/read-audit-pages.ts).
    const rest = JSON.stringify([fields.event_id, fields.trigger, fields.reason, null, 'r1', null, null, 'info', at, metadata]);
    pushHashRow(job, { entity_type: 'task', entity_id: 't1', seq, from_state: fields.from_state, to_state: fields.to_state, prev_hash: prev, hash, rest });
    prev = hash;
  }
  return job;
}

describe('the audit hash check', () => {
  const checker = new HashChecker();
  afterAll(() => checker.close());

  it('recomputes what the writer hashed, on this thread and on the worker thread', async () => {
    expect(checkHashJob(chain())).toBe(-1);
    expect(await checker.check(chain())).toBe(-1);
  });

  it('answers the first row whose hash does not recompute', async () => {
    const job = chain();
    job[8 + 6] = String(job[8 + 6]).replace('line\\nbreak', 'forged');
    expect(checkHashJob(job)).toBe(1);
    expect(await checker.check(job)).toBe(1);
  });

  it('a time no Date holds fails its row instead of throwing', async () => {
    const job = chain();
    job[16 + 6] = String(job[16 + 6]).replace(/,1733350000003,/, ',null,');
    expect(checkHashJob(job)).toBe(2);
    expect(await checker.check(job)).toBe(2);
  });

  it('refuses jobs once closed, naming the worker', async () => {
    const c = new HashChecker();
    await c.close();
    await expect(c.check(chain())).rejects.toThrow(/audit hash worker .*hash-check-worker/);
  });
});
