import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointDigest, generateAuditKey, keyFingerprint, PersistedActors, recomputeHash, takeAuditCheckpoint, verifyAudit, type AuditKey } from '../../actors/index.js';
import { readHistory } from '../../persistence/index.js';
import { tamper } from '../support/audit-tamper.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

/**
 * The attack of issue 11: someone with write access to the database (not to the key) edits a row and recomputes
 * the rest of the entity's chain and its `last_hash`, as anyone with the source code can.
 */
async function forgeAndRechain(tdb: TestDatabase, id: string): Promise<void> {
  await tamper(tdb, sql`UPDATE state_transitions SET reason = 'forged' WHERE entity_id = ${id} AND seq = 2`);
  let prev: string | null = null;
  for (const r of await readHistory(tdb.db, 'circuit_breaker', id)) {
    const hash = recomputeHash(r, prev);
    await tamper(tdb, sql`UPDATE state_transitions SET prev_hash = ${prev}, hash = ${hash} WHERE id = ${r.id}`);
    prev = hash;
  }
  await tamper(tdb, sql`UPDATE circuit_breakers SET last_hash = ${prev} WHERE id = ${id}`);
}

describe.each(testDatabases())('signed audit checkpoints detect a forged and recomputed chain on %s', (kind) => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  let dir: string;
  let key: AuditKey;
  beforeEach(async () => {
    tdb = await openTestDatabase(kind);
    actors = new PersistedActors({ db: tdb.db });
    dir = await mkdtemp(join(tmpdir(), 'gantry-audit-key-'));
    key = await generateAuditKey(join(dir, 'audit-key.pem'));
    for (const id of ['a', 'b']) {
      await actors.create('circuit_breaker', id, { failure_threshold: 1, now: 1_700_000_000_000 });
      await actors.send('circuit_breaker', id, { type: 'call_failed', now: 1_700_000_001_000 });
      await actors.send('circuit_breaker', id, { type: 'cooldown_elapsed', now: 1_700_000_100_000 });
    }
  });
  afterEach(async () => {
    await actors.close();
    await tdb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('without a checkpoint the recomputed chain passes: the known weakness checkpoints close', async () => {
    await forgeAndRechain(tdb, 'b');
    expect(await verifyAudit(tdb.db, { key })).toMatchObject({ ok: true, firstBroken: null, checkpoints: { total: 0 } });
  });

  it('an untouched audit verifies its checkpoint, also after later transitions', async () => {
    const c = await takeAuditCheckpoint(tdb.db, key);
    expect(c).toMatchObject({ heads: 2, keyFingerprint: key.fingerprint });
    await actors.send('circuit_breaker', 'a', { type: 'call_failed', now: 1_700_000_200_000 });
    expect(await verifyAudit(tdb.db, { key })).toMatchObject({ ok: true, checkpoints: { total: 1, verified: 1, failed: [] } });
  });

  it('with a checkpoint the forged chain fails, naming the entity, with or without the key', async () => {
    await takeAuditCheckpoint(tdb.db, key);
    await forgeAndRechain(tdb, 'b');
    for (const k of [key, null]) {
      const v = await verifyAudit(tdb.db, { key: k });
      expect(v.ok).toBe(false);
      expect(v.firstBroken).toBeNull();
      expect(v.checkpoints.failed).toEqual([expect.objectContaining({ entityType: 'circuit_breaker', entityId: 'b', seq: 3, problem: expect.stringMatching(/chain was rewritten/) })]);
    }
  });

  it('rewriting the checkpoint too needs the key: altered heads, a recomputed digest, another key all fail', async () => {
    await takeAuditCheckpoint(tdb.db, key);
    await forgeAndRechain(tdb, 'b');
    const row = await tdb.db.selectFrom('audit_checkpoints').selectAll().executeTakeFirstOrThrow();
    const forgedHash = (await readHistory(tdb.db, 'circuit_breaker', 'b'))[2]!.hash;
    const heads = (row.heads as unknown as [string, string, number, string][]).map((h) => (h[1] === 'b' ? [h[0], h[1], h[2], forgedHash] as [string, string, number, string] : h));
    const failure = async () => (await verifyAudit(tdb.db, { key })).checkpoints.failed[0]?.problem;
    await tamper(tdb, sql`UPDATE audit_checkpoints SET heads = ${JSON.stringify(heads)}::jsonb`);
    expect(await failure()).toMatch(/digest does not match its heads/);
    const digest = checkpointDigest(new Date(row.created_at), heads);
    await tamper(tdb, sql`UPDATE audit_checkpoints SET digest = ${digest}`);
    expect(await failure()).toMatch(/signature does not verify/);
    // Without the key the rewritten checkpoint cannot be told apart: its signature is only counted as unchecked.
    expect((await verifyAudit(tdb.db)).checkpoints).toMatchObject({ failed: [], signatureUnchecked: 1 });
    const other = generateKeyPairSync('ed25519');
    const signature = sign(null, Buffer.from(digest, 'hex'), other.privateKey).toString('base64');
    await tamper(tdb, sql`UPDATE audit_checkpoints SET signature = ${signature}, key_fingerprint = ${keyFingerprint(other.publicKey)}`);
    expect(await failure()).toMatch(/signed by another key/);
  });

  it('a checkpointed head whose rows were deleted is no longer in its chain', async () => {
    await takeAuditCheckpoint(tdb.db, key);
    await tamper(tdb, sql`DELETE FROM state_transitions WHERE entity_id = 'a'`);
    await tamper(tdb, sql`DELETE FROM circuit_breakers WHERE id = 'a'`);
    const v = await verifyAudit(tdb.db, { key });
    expect(v).toMatchObject({ ok: false, firstBroken: null, withoutChain: { total: 0 } });
    expect(v.checkpoints.failed[0]).toMatchObject({ entityId: 'a', problem: expect.stringMatching(/no longer in its chain/) });
  });
});
