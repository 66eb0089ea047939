import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { chunk } from './sql-values.js';

/** One audit chain head: the newest row of an entity's chain, as [entity_type, entity_id, seq, hash]. */
export type ChainHead = readonly [entityType: string, entityId: string, seq: number, hash: string];

/**
 * Every entity's chain head in (entity_type, entity_id) order, read from `state_transitions` (its newest seq) over
 * the unique (entity_type, entity_id, seq) index, with the highest audit row id seen (the high-water mark; '0'
 * when the table is empty). Read both in one snapshot (see `inSnapshot`) to get a consistent picture.
 */
export async function readChainHeads(db: Kysely<Database>): Promise<{ heads: ChainHead[]; highWater: string }> {
  const { rows } = await sql<{ entity_type: string; entity_id: string; seq: number; hash: string }>`
    SELECT DISTINCT ON (entity_type, entity_id) entity_type, entity_id, seq, hash
    FROM state_transitions ORDER BY entity_type, entity_id, seq DESC`.execute(db);
  return { heads: rows.map((r) => [r.entity_type, r.entity_id, r.seq, r.hash] as const), highWater: await auditHighWater(db) };
}

/** The highest `state_transitions.id` visible ('0' when there is none): the position a verification reached. */
export async function auditHighWater(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ m: string | number | null }>`SELECT max(id) AS m FROM state_transitions`.execute(db);
  return String(rows[0]?.m ?? 0);
}

/** A checkpoint to store (migration 0004). */
export interface NewAuditCheckpoint {
  readonly createdAt: Date;
  readonly heads: readonly ChainHead[];
  readonly digest: string;
  readonly signature: string;
  readonly keyFingerprint: string;
  readonly runId: string | null;
}

/** A stored checkpoint as read back. */
export interface AuditCheckpointRecord extends NewAuditCheckpoint {
  /** The bigserial id, as a string. */
  readonly id: string;
}

/** Appends a checkpoint row; returns its id. */
export async function insertAuditCheckpoint(db: Kysely<Database>, c: NewAuditCheckpoint): Promise<string> {
  const row = await db
    .insertInto('audit_checkpoints')
    .values({ created_at: c.createdAt, head_count: c.heads.length, heads: JSON.stringify(c.heads), digest: c.digest, signature: c.signature, key_fingerprint: c.keyFingerprint, run_id: c.runId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return String(row.id);
}

/** Every stored checkpoint, oldest first, one row per query (each may hold many heads). */
export async function* readAuditCheckpoints(db: Kysely<Database>): AsyncGenerator<AuditCheckpointRecord> {
  const ids = await db.selectFrom('audit_checkpoints').select('id').orderBy('id').execute();
  for (const { id } of ids) {
    const r = await db.selectFrom('audit_checkpoints').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) continue;
    const heads = (typeof r.heads === 'string' ? JSON.parse(r.heads) : r.heads) as [string, string, number, string][];
    yield { id: String(r.id), createdAt: new Date(r.created_at), heads, digest: r.digest, signature: r.signature, keyFingerprint: r.key_fingerprint, runId: r.run_id };
  }
}

/** The stored hash of each (entity_type, entity_id, seq) asked for, keyed `type\tid\tseq`; absent rows are absent. */
export async function auditHashesAt(db: Kysely<Database>, keys: readonly (readonly [string, string, number])[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunk([...keys], 5_000)) {
    const { rows } = await sql<{ entity_type: string; entity_id: string; seq: number; hash: string }>`
      SELECT s.entity_type, s.entity_id, s.seq, s.hash
      FROM jsonb_to_recordset(${JSON.stringify(part.map(([t, i, q]) => ({ t, i, q })))}::jsonb) AS k (t text, i text, q integer)
      JOIN state_transitions s ON s.entity_type = k.t AND s.entity_id = k.i AND s.seq = k.q`.execute(db);
    for (const r of rows) out.set(`${r.entity_type}\t${r.entity_id}\t${r.seq}`, r.hash);
  }
  return out;
}
