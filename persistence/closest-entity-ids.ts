import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { ENTITY_TABLES, PERSISTED_ENTITY_TYPES, type PersistedEntityType } from './entity-tables.js';

/** Ids of one type close to an id that does not exist, and the other types that have exactly that id. */
export interface ClosestEntityIds {
  /** Closest first: ids that end with `.<id>` or contain it, then ids within a small edit distance. */
  readonly ids: readonly string[];
  /** Entity types other than the one asked for that have an entity with exactly this id. */
  readonly sameIdIn: readonly PersistedEntityType[];
}

/** How many ids of the type are compared by edit distance (the newest); bounds the work on a large database. */
const DISTANCE_SAMPLE = 5000;

/** Edit distance (insertions, deletions, substitutions) of two short strings. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The smallest distance of `wanted` to `id` or to `id` without its leading namespace segments (`run.`, `run.task.`). */
function score(wanted: string, id: string): number {
  const parts = id.split('.');
  let best = distance(wanted, id);
  for (let k = 1; k < parts.length; k++) best = Math.min(best, distance(wanted, parts.slice(k).join('.')));
  return best;
}

const likeEscaped = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Up to `limit` (default 5) existing ids of `entityType` close to `id`, which does not exist: those ending with
 * `.<id>` (the namespaced form of a plan name, e.g. `demo-001.leak-key` for `leak-key`) or containing it, shortest
 * first, then the newest 5,000 ids within an edit distance of a third of its length (at least 2), nearest first,
 * compared whole and without their leading namespace segments. Also names the other entity types that have this id.
 */
export async function closestEntityIds(db: Kysely<Database>, entityType: PersistedEntityType, id: string, limit = 5): Promise<ClosestEntityIds> {
  const table = ENTITY_TABLES[entityType].table;
  const containing = await db
    .selectFrom(table)
    .select('id')
    .where('id', 'like', `%${likeEscaped(id)}%`)
    .orderBy((eb) => eb.fn('length', ['id']))
    .orderBy('id')
    .limit(limit * 4)
    .execute();
  const suffix = `.${id}`;
  const ids = containing.map((r) => r.id).sort((a, b) => Number(b.endsWith(suffix)) - Number(a.endsWith(suffix)));
  if (ids.length < limit) {
    const sample = await db.selectFrom(table).select('id').orderBy('created_at', 'desc').orderBy('id').limit(DISTANCE_SAMPLE).execute();
    const max = Math.max(2, Math.floor(id.length / 3));
    const near = sample
      .map((r) => ({ id: r.id, d: score(id, r.id) }))
      .filter((c) => c.d <= max && !ids.includes(c.id))
      .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id));
    ids.push(...near.map((c) => c.id));
  }
  const others = PERSISTED_ENTITY_TYPES.filter((t) => t !== entityType);
  const { rows } = await sql<{ entity_type: PersistedEntityType }>`${sql.join(
    others.map((t) => sql`SELECT ${t}::text AS entity_type FROM ${sql.table(ENTITY_TABLES[t].table)} WHERE id = ${id}`),
    sql` UNION ALL `,
  )}`.execute(db);
  const sameIdIn = others.filter((t) => rows.some((r) => r.entity_type === t));
  return { ids: ids.slice(0, limit), sameIdIn };
}
