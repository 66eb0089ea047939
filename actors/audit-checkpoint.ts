import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import { auditHashesAt, inSnapshot, insertAuditCheckpoint, readAuditCheckpoints, readChainHeads, type ChainHead, type Database } from '../persistence/index.js';
import type { AuditKey } from './audit-key.js';
import { AuditKeyError } from './errors.js';

/**
 * SHA-256 (hex) of a checkpoint: a version line, the time, the head count, then one line per chain head
 * `type<TAB>id<TAB>seq<TAB>hash` in the order given (entity ids never hold tabs or newlines).
 */
export function checkpointDigest(createdAt: Date, heads: readonly ChainHead[]): string {
  const h = createHash('sha256').update(`gantry-audit-checkpoint v1\n${createdAt.toISOString()}\n${heads.length}\n`);
  for (const [t, i, s, x] of heads) h.update(`${t}\t${i}\t${s}\t${x}\n`);
  return h.digest('hex');
}

/** What {@link takeAuditCheckpoint} stored. */
export interface TakenCheckpoint {
  readonly id: string;
  readonly heads: number;
  readonly digest: string;
  readonly keyFingerprint: string;
  /** The highest audit row id the checkpoint's snapshot saw. */
  readonly highWater: string;
}

/**
 * Takes a signed checkpoint (issue 11): every audit chain head read in one snapshot, their digest
 * ({@link checkpointDigest}) signed with the Ed25519 private key, stored in `audit_checkpoints` with the key's
 * fingerprint and `runId` (the run it closes; default none). `AuditKeyError` when the key holds no private key.
 */
export async function takeAuditCheckpoint(db: Kysely<Database>, key: AuditKey, opts: { runId?: string | null; now?: Date } = {}): Promise<TakenCheckpoint> {
  const privateKey = key.privateKey;
  if (!privateKey) throw new AuditKeyError(key.path, 'holds only a public key: checkpoints need the private key to be signed');
  const { heads, highWater } = await inSnapshot(db, readChainHeads);
  const createdAt = opts.now ?? new Date();
  const digest = checkpointDigest(createdAt, heads);
  const signature = sign(null, Buffer.from(digest, 'hex'), privateKey).toString('base64');
  const id = await insertAuditCheckpoint(db, { createdAt, heads, digest, signature, keyFingerprint: key.fingerprint, runId: opts.runId ?? null });
  return { id, heads: heads.length, digest, keyFingerprint: key.fingerprint, highWater };
}

/** A checkpoint that does not hold. */
export interface CheckpointFailure {
  readonly checkpointId: string;
  readonly createdAt: Date;
  /** The chain head that no longer matches, when that is the problem. */
  readonly entityType: string | null;
  readonly entityId: string | null;
  readonly seq: number | null;
  readonly problem: string;
}

/** Result of {@link verifyAuditCheckpoints}. */
export interface CheckpointVerification {
  readonly total: number;
  readonly verified: number;
  /** Checkpoints whose digest and heads hold but whose signature could not be checked (no key given). */
  readonly signatureUnchecked: number;
  /** Every failing checkpoint, oldest first, with its first problem. */
  readonly failed: readonly CheckpointFailure[];
}

/**
 * Checks every stored checkpoint (issue 11): its digest recomputes from its heads; with `publicKey`, it was signed
 * by that key (fingerprint and Ed25519 signature); and each head it holds is still in its chain with the same hash,
 * so a chain recomputed after a forged row fails unless the forger had the key. Without a key the signatures are
 * counted as unchecked. Only heads of `entityType` when given.
 */
export async function verifyAuditCheckpoints(db: Kysely<Database>, publicKey: { key: KeyObject; fingerprint: string } | null, opts: { entityType?: string } = {}): Promise<CheckpointVerification> {
  let total = 0;
  let verified = 0;
  let signatureUnchecked = 0;
  const failed: CheckpointFailure[] = [];
  /** Heads already found in their chain (`type\tid\tseq\thash`): later checkpoints repeat most of them. */
  const confirmed = new Set<string>();
  for await (const c of readAuditCheckpoints(db)) {
    total++;
    const fail = (problem: string, head?: readonly [string, string, number, string]): void => {
      failed.push({ checkpointId: c.id, createdAt: c.createdAt, entityType: head?.[0] ?? null, entityId: head?.[1] ?? null, seq: head?.[2] ?? null, problem });
    };
    if (checkpointDigest(c.createdAt, c.heads) !== c.digest) {
      fail('its digest does not match its heads (the checkpoint row was altered)');
      continue;
    }
    if (publicKey) {
      if (c.keyFingerprint !== publicKey.fingerprint) {
        fail(`signed by another key (fingerprint ${c.keyFingerprint}, the key given is ${publicKey.fingerprint})`);
        continue;
      }
      if (!verify(null, Buffer.from(c.digest, 'hex'), publicKey.key, Buffer.from(c.signature, 'base64'))) {
        fail('its signature does not verify with the key');
        continue;
      }
    }
    const heads = c.heads.filter((h) => (opts.entityType === undefined || h[0] === opts.entityType) && !confirmed.has(h.join('\t')));
    const now = await auditHashesAt(db, heads.map(([t, i, s]) => [t, i, s] as const));
    const bad = heads.find(([t, i, s, x]) => now.get(`${t}\t${i}\t${s}`) !== x);
    if (bad) {
      const found = now.get(`${bad[0]}\t${bad[1]}\t${bad[2]}`);
      fail(found === undefined ? `${bad[0]} ${bad[1]} seq ${bad[2]} is no longer in its chain` : `${bad[0]} ${bad[1]} seq ${bad[2]} has hash ${found}, the checkpoint signed ${bad[3]} (the chain was rewritten)`, bad);
      continue;
    }
    for (const h of heads) confirmed.add(h.join('\t'));
    if (publicKey) verified++;
    else signatureUnchecked++;
  }
  return { total, verified, signatureUnchecked, failed };
}
