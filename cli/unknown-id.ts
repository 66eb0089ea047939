import type { Kysely } from 'kysely';
import { closestEntityIds, PERSISTED_ENTITY_TYPES, type Database, type PersistedEntityType } from '../persistence/index.js';
import { UnknownIdError } from './errors.js';

/** How ids are namespaced (engine/entity-ids.ts), for the message of an unknown id. */
export const ID_NAMESPACING =
  'ids are namespaced by their run: a workstream, task or worker is <run>.<name> (e.g. demo-001.leak-key), a gate ' +
  '<run>.<task>.<gate>.a<attempt>, a patch ledger entry <run>.<task>.p<attempt>; `gantry status RUN --json` lists them';

const isPersistedType = (t: string): t is PersistedEntityType => (PERSISTED_ENTITY_TYPES as readonly string[]).includes(t);

/**
 * The error for entity `type` `id` that does not exist: `TYPE ID does not exist; did you mean …?` with the closest
 * existing ids (persistence's `closestEntityIds`: suffix match on the namespaced id, then edit distance), the other
 * types that have this very id, and how ids are namespaced. `cause` is the original not-found error.
 */
export async function unknownIdError(db: Kysely<Database>, type: string, id: string, cause: unknown): Promise<UnknownIdError> {
  if (!isPersistedType(type)) return new UnknownIdError(type, id, [], `${type} ${id} does not exist; ${ID_NAMESPACING}`, { cause });
  const { ids, sameIdIn } = await closestEntityIds(db, type, id);
  const parts = [`${type} ${id} does not exist`];
  if (sameIdIn.length) parts.push(`but a ${sameIdIn.join(' and a ')} has this id`);
  parts.push(ids.length ? `did you mean ${ids.map((c) => `'${c}'`).join(', ')}?` : `no ${type} has a similar id`);
  return new UnknownIdError(type, id, ids, `${parts.join('; ')}\n  (${ID_NAMESPACING})`, { cause });
}

/**
 * `err` as an `UnknownIdError` with suggestions when it is a persistence or engine "not found" error, else `err`
 * itself. When looking up the suggestions fails too, `err` is returned unchanged (it is the error the user needs).
 */
export async function explainNotFound(db: Kysely<Database>, err: unknown): Promise<unknown> {
  if (!(err instanceof Error)) return err;
  const e = err as Error & { entityType?: unknown; id?: unknown; runId?: unknown };
  try {
    if (e.name === 'EntityNotFoundError' && typeof e.entityType === 'string' && typeof e.id === 'string') return await unknownIdError(db, e.entityType, e.id, err);
    if (e.name === 'RunNotFoundError' && typeof e.runId === 'string') return await unknownIdError(db, 'run', e.runId, err);
  } catch {
    return err;
  }
  return err;
}
