import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

// Frozen with migration 0004 (append-only): signed checkpoints of every audit chain head (issue 11). The key that
// signs them lives outside the database, so a forged row whose chain was recomputed no longer matches a checkpoint.

const T = 'audit_checkpoints';

const UP: readonly string[] = [
  `CREATE TABLE ${T} (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL,
    head_count integer NOT NULL CONSTRAINT ${T}_head_count_nonnegative CHECK (head_count >= 0),
    heads jsonb NOT NULL CONSTRAINT ${T}_heads_match_count CHECK (jsonb_typeof(heads) = 'array' AND jsonb_array_length(heads) = head_count),
    digest text NOT NULL CONSTRAINT ${T}_digest_format CHECK (length(digest) = 64 AND digest ~ '^[0-9a-f]*$'),
    signature text NOT NULL CONSTRAINT ${T}_signature_format CHECK (length(signature) BETWEEN 1 AND 1024 AND signature ~ '^[A-Za-z0-9+/]*={0,2}$'),
    key_fingerprint text NOT NULL CONSTRAINT ${T}_key_fingerprint_format CHECK (length(key_fingerprint) = 64 AND key_fingerprint ~ '^[0-9a-f]*$'),
    run_id text CONSTRAINT ${T}_run_id_format CHECK (run_id IS NULL OR (length(run_id) <= 128 AND run_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]*$'))
  )`,
  `CREATE INDEX ${T}_created_at_idx ON ${T} (created_at)`,
  `CREATE FUNCTION ${T}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_checkpoints is append-only: % rejected', TG_OP
    USING ERRCODE = 'P0001', HINT = 'checkpoints are never changed or removed';
END
$$`,
  `CREATE TRIGGER ${T}_no_update_delete BEFORE UPDATE OR DELETE ON ${T} FOR EACH ROW EXECUTE FUNCTION ${T}_append_only()`,
  `CREATE TRIGGER ${T}_no_truncate BEFORE TRUNCATE ON ${T} FOR EACH STATEMENT EXECUTE FUNCTION ${T}_append_only()`,
];

/**
 * Migration 0004: `audit_checkpoints` — per checkpoint every audit chain head ([entity_type, entity_id, seq, hash]),
 * their SHA-256 digest, its Ed25519 signature (base64) and the SHA-256 fingerprint of the signing public key; the
 * run it closed, if any. Append-only like `state_transitions`.
 */
export const migration0004AuditCheckpoints: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const s of UP) await sql.raw(s).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw(`DROP TABLE ${T}`).execute(db);
    await sql.raw(`DROP FUNCTION ${T}_append_only()`).execute(db);
  },
};
