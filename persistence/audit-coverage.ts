import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { ENTITY_TABLES, entityTable } from './entity-tables.js';

/** An entity row whose audit chain does not end at its version, hash and state (or is gone). */
export interface EntityWithoutChain {
  readonly entityType: string;
  readonly entityId: string;
  readonly version: number;
  readonly state: string;
  /** The newest seq its chain still has; null when no audit row of it is left. */
  readonly chainSeq: number | null;
}

/**
 * Entity rows that have no audit row at their own version with their `last_hash` and state — an emptied or
 * truncated `state_transitions` (issue 11) — in (entity_type, id) order, at most `limit` (default 100) of them,
 * and how many there are in all. Only `entityType` when given. One query per entity table, over the unique
 * (entity_type, entity_id, seq) index.
 */
export async function entitiesWithoutChain(db: Kysely<Database>, opts: { entityType?: string; limit?: number } = {}): Promise<{ total: number; first: EntityWithoutChain[] }> {
  const limit = opts.limit ?? 100;
  const infos = opts.entityType === undefined ? Object.values(ENTITY_TABLES) : [entityTable(opts.entityType)];
  const first: EntityWithoutChain[] = [];
  let total = 0;
  for (const info of [...infos].sort((a, b) => (a.entityType < b.entityType ? -1 : 1))) {
    const { rows } = await sql<{ id: string; version: number; state: string; chain_seq: number | null; total: string | number }>`
      SELECT e.id, e.version, e.state, count(*) OVER () AS total,
        (SELECT max(c.seq) FROM state_transitions c WHERE c.entity_type = ${info.entityType} AND c.entity_id = e.id) AS chain_seq
      FROM ${sql.table(info.table)} e
      LEFT JOIN state_transitions s ON s.entity_type = ${info.entityType} AND s.entity_id = e.id AND s.seq = e.version
      WHERE s.id IS NULL OR s.hash IS DISTINCT FROM e.last_hash OR s.to_state IS DISTINCT FROM e.state
      ORDER BY e.id LIMIT ${Math.max(1, limit)}`.execute(db);
    if (rows.length === 0) continue;
    total += Number(rows[0]!.total);
    for (const r of rows) if (first.length < limit) first.push({ entityType: info.entityType, entityId: r.id, version: r.version, state: r.state, chainSeq: r.chain_seq });
  }
  return { total, first };
}

/**
 * How many entity rows each table holds, by entity type (every type, or only `entityType`): `audit verify` compares
 * them with the chains it matched to entity rows, and looks for rows without a chain only when they differ.
 */
export async function countEntityRows(db: Kysely<Database>, opts: { entityType?: string } = {}): Promise<Map<string, number>> {
  const infos = opts.entityType === undefined ? Object.values(ENTITY_TABLES) : [entityTable(opts.entityType)];
  const { rows } = await sql<{ entity_type: string; n: string | number }>`
    ${sql.join(infos.map((i) => sql`SELECT ${i.entityType}::text AS entity_type, count(*) AS n FROM ${sql.table(i.table)}`), sql` UNION ALL `)}`.execute(db);
  return new Map(rows.map((r) => [r.entity_type, Number(r.n)]));
}

/** A stored patch diff and the SHA-256 its ledger entry's creation audit row recorded (null: none recorded). */
export interface PatchDiffRecord {
  readonly patchId: string;
  readonly diff: string;
  readonly recordedSha256: string | null;
}

/**
 * Every `patches` row in id order with the `diff_sha256` recorded in the creation audit row of the ledger entry of
 * the same id (engine: one ledger entry per patch, same id), read in keyset pages of `pageSize` (default 200).
 */
export async function* readPatchDiffs(db: Kysely<Database>, pageSize = 200): AsyncGenerator<PatchDiffRecord> {
  let after: string | null = null;
  for (;;) {
    const { rows }: { rows: { id: string; diff: string; recorded: string | null }[] } = await sql<{ id: string; diff: string; recorded: string | null }>`
      SELECT p.id, p.diff, s.metadata->>'diff_sha256' AS recorded
      FROM patches p
      LEFT JOIN state_transitions s ON s.entity_type = 'patch_ledger' AND s.entity_id = p.id AND s.seq = 1
      WHERE ${after === null ? sql`TRUE` : sql`p.id > ${after}`}
      ORDER BY p.id LIMIT ${pageSize}`.execute(db);
    for (const r of rows) yield { patchId: r.id, diff: r.diff, recordedSha256: r.recorded };
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** A run's recorded plan (`run_sources.plan`) and the SHA-256 the run's audit recorded for it (null: none). */
export interface RunPlanRecord {
  readonly runId: string;
  readonly plan: Record<string, unknown>;
  readonly recordedSha256: string | null;
}

/**
 * Every `run_sources` row in run id order with the `plan_sha256` of the run's first audit row that records one
 * (the run's `start` transition, issue 11).
 */
export async function readRunPlans(db: Kysely<Database>): Promise<RunPlanRecord[]> {
  const { rows } = await sql<{ run_id: string; plan: unknown; recorded: string | null }>`
    SELECT r.run_id, r.plan,
      (SELECT s.metadata->>'plan_sha256' FROM state_transitions s
        WHERE s.entity_type = 'run' AND s.entity_id = r.run_id AND s.metadata ? 'plan_sha256' ORDER BY s.seq LIMIT 1) AS recorded
    FROM run_sources r ORDER BY r.run_id`.execute(db);
  return rows.map((r) => ({ runId: r.run_id, plan: (typeof r.plan === 'string' ? JSON.parse(r.plan) : r.plan) as Record<string, unknown>, recordedSha256: r.recorded }));
}
