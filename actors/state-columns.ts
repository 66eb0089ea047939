import { columnsFromContext } from '../persistence/index.js';

/** Row columns that link to other rows (foreign keys): set at creation from explicit links, never from context. */
export const LINK_COLUMNS: ReadonlySet<string> = new Set(['run_id', 'workstream_id', 'task_id', 'patch_id', 'phase_id', 'pool_id', 'retry_of']);

/** The state columns of an entity row from its machine context (link columns left out). */
export function stateColumns(entityType: string, context: Record<string, unknown>): Record<string, unknown> {
  const all = columnsFromContext(entityType, context);
  // Copied rather than `delete`d: deleting keys turns the object into a slow dictionary.
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(all)) if (!LINK_COLUMNS.has(k)) out[k] = all[k];
  return out;
}
