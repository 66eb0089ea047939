import type { Kysely } from 'kysely';

/** Kysely instances whose pool's clients are in node-postgres pipeline mode (`pipeline: true`). */
const pipelined = new WeakSet<Kysely<any>>();

/** Records that `db` reaches PostgreSQL through a `pg` pool whose clients are in pipeline mode (persistence/create-database.ts). */
export function markPipelined(db: Kysely<any>): void {
  pipelined.add(db);
}

/**
 * Whether `db` (not a transaction) reaches PostgreSQL through clients in node-postgres pipeline mode: statements
 * queued on one connection together are written at once and answered in order, so a transaction's statements that
 * do not wait on each other's results cost one round trip (persistence/claim-round.ts). PGlite, a live PGlite
 * socket and a Kysely built elsewhere are not: their statements are sent one after another.
 */
export function isPipelined(db: Kysely<any>): boolean {
  return !db.isTransaction && pipelined.has(db);
}
