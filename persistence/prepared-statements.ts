import { createHash } from 'node:crypto';

/**
 * Opening comment of statement texts that run often with few distinct shapes (the transition writes): each
 * database connection keeps them as named prepared statements (`prepared-pool.ts` for pg, `prepared-pglite.ts`
 * for PGlite), so they are parsed and planned once per connection instead of on every call.
 */
export const PREPARED_MARK = '/* prepared */ ';

const names = new Map<string, string>();
const MAX_NAMES = 1000;

/** The statement name of a text: a hash of it, so one name never stands for two texts. */
export function preparedName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `gantry_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    if (names.size < MAX_NAMES) names.set(text, name);
  }
  return name;
}
