import { entityTable } from './entity-tables.js';

/** Context fields that are stored under another column name: the patch ledger's nested validation flags. */
const NESTED: Readonly<Record<string, Readonly<Record<string, readonly [string, string]>>>> = {
  patch_ledger: {
    validation_format: ['validation', 'format'],
    validation_scope: ['validation', 'scope'],
    validation_constraints: ['validation', 'constraints'],
    validation_tests: ['validation', 'tests'],
  },
};

/**
 * The table columns of an entity taken from its machine context by name (column name = context
 * field; the ledger's `validation.{format,…}` → `validation_*`). Context fields without a column
 * are skipped, as is `created_at` (set at insert). Times stay epoch ms; the writers convert them.
 */
export function columnsFromContext(entityType: string, context: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const info = entityTable(entityType);
  const nested = NESTED[info.entityType] ?? {};
  const out: Record<string, unknown> = {};
  for (const column of Object.keys(info.columns)) {
    const path = nested[column];
    if (path) {
      const parent = context[path[0]];
      if (parent && typeof parent === 'object' && path[1] in parent) out[column] = (parent as Record<string, unknown>)[path[1]];
    } else if (Object.hasOwn(context, column)) {
      out[column] = context[column];
    }
  }
  return out;
}
