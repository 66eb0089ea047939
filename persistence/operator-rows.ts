import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { mapDbError } from './map-db-error.js';

/** One `operators` row (SSOT §5.2): the salted scrypt hash of its token, never the token. */
export interface OperatorRow {
  readonly name: string;
  readonly tokenSalt: string;
  readonly tokenHash: string;
  readonly createdAt: Date;
  /** When it was revoked; null while it may still override. */
  readonly revokedAt: Date | null;
}

const toDate = (v: Date | string): Date => new Date(v);

/** Inserts operator `name` with its token's salt and hash; false (nothing written) when the name is taken. */
export async function insertOperator(db: Kysely<Database>, name: string, tokenSalt: string, tokenHash: string): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`
      INSERT INTO operators (name, token_salt, token_hash) VALUES (${name}, ${tokenSalt}, ${tokenHash})
      ON CONFLICT (name) DO NOTHING RETURNING name`.execute(db);
    return rows.length > 0;
  } catch (err) {
    throw mapDbError(err);
  }
}

/** Operator `name`'s row, or null when there is none. */
export async function operatorRow(db: Kysely<Database>, name: string): Promise<OperatorRow | null> {
  const { rows } = await sql<{ name: string; token_salt: string; token_hash: string; created_at: Date | string; revoked_at: Date | string | null }>`
    SELECT name, token_salt, token_hash, created_at, revoked_at FROM operators WHERE name = ${name}`.execute(db);
  const r = rows[0];
  return r ? { name: r.name, tokenSalt: r.token_salt, tokenHash: r.token_hash, createdAt: toDate(r.created_at), revokedAt: r.revoked_at === null ? null : toDate(r.revoked_at) } : null;
}

/**
 * Sets operator `name`'s `revoked_at` (never before its creation) when it is not revoked yet, and returns it; null
 * (nothing written) when there is no such operator or it was revoked before.
 */
export async function markOperatorRevoked(db: Kysely<Database>, name: string): Promise<Date | null> {
  try {
    const { rows } = await sql<{ revoked_at: Date | string }>`
      UPDATE operators SET revoked_at = greatest(now(), created_at) WHERE name = ${name} AND revoked_at IS NULL
      RETURNING revoked_at`.execute(db);
    return rows[0] ? toDate(rows[0].revoked_at) : null;
  } catch (err) {
    throw mapDbError(err);
  }
}

/** Every operator's name and times, by name (no token material). */
export async function operatorRows(db: Kysely<Database>): Promise<Omit<OperatorRow, 'tokenSalt' | 'tokenHash'>[]> {
  const { rows } = await sql<{ name: string; created_at: Date | string; revoked_at: Date | string | null }>`
    SELECT name, created_at, revoked_at FROM operators ORDER BY name`.execute(db);
  return rows.map((r) => ({ name: r.name, createdAt: toDate(r.created_at), revokedAt: r.revoked_at === null ? null : toDate(r.revoked_at) }));
}
