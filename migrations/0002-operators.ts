import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

// Frozen with migration 0002 (append-only): operators authorised for manual overrides (SSOT §5.2).

const UP: readonly string[] = [
  `CREATE TABLE operators (
    name text PRIMARY KEY CONSTRAINT operators_name_format CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$'),
    token_salt text NOT NULL CONSTRAINT operators_salt_format CHECK (token_salt ~ '^[0-9a-f]{32}$'),
    token_hash text NOT NULL CONSTRAINT operators_hash_format CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CONSTRAINT operators_revoked_after_created CHECK (revoked_at IS NULL OR revoked_at >= created_at)
  )`,
];

/** Migration 0002: the `operators` table holding each operator's salted scrypt token hash (never the token). */
export const migration0002Operators: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const s of UP) await sql.raw(s).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('DROP TABLE operators').execute(db);
  },
};
