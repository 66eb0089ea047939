import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Opening comment of statement texts that run often with few distinct shapes (the transition writes): each
 * database connection keeps them as named prepared statements (`usePreparedStatements` below for pg,
 * `prepared-pglite.ts` for PGlite), so they are parsed and planned once per connection instead of on every call.
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

/**
 * Makes every client of `pool` run `PREPARED_MARK` statements (text and parameter array) as named prepared
 * statements (about half the server time of a one-transition write is parsing and planning otherwise).
 */
export function usePreparedStatements(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query;
    // `query` is overloaded (config or text, callback or promise); every call keeps its overload, only a marked text
    // with a parameter array becomes the config form with a name.
    const prepared = function (this: pg.PoolClient, ...args: unknown[]): unknown {
      const [text, values] = args;
      if (args.length === 2 && typeof text === 'string' && text.startsWith(PREPARED_MARK) && Array.isArray(values)) {
        return Reflect.apply(query, this, [{ name: preparedName(text), text, values }]);
      }
      return Reflect.apply(query, this, args);
    };
    Reflect.set(client, 'query', prepared);
  });
}
