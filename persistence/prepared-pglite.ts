import { messages, types, type PGlite } from '@electric-sql/pglite';
import { PREPARED_MARK, preparedName } from './prepared-statements.js';

const encoder = new TextEncoder();

/** One frontend protocol message: type byte, int32 length, body. */
function message(type: string, parts: readonly Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 4);
  const out = new Uint8Array(1 + length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setInt32(1, length);
  let at = 5;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const cstring = (s: string) => encoder.encode(`${s}\0`);
const int16 = (n: number) => new Uint8Array([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n);
  return b;
};
const concat = (messages: readonly Uint8Array[]) => {
  const out = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
  let at = 0;
  for (const m of messages) {
    out.set(m, at);
    at += m.length;
  }
  return out;
};

/** One element of an array literal: NULL, or double-quoted with `\\` and `"` escaped (objects as JSON). */
function element(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * A parameter in text format, as PGlite's own `query` sends it: null stays null, an array is an array literal
 * (`{"a","b",NULL}`: the row sources of persistence/insert-entity.ts are one `type[]` parameter per column), other
 * objects are JSON.
 */
function text(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return encoder.encode(`{${value.map(element).join(',')}}`);
  return encoder.encode(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

function bind(name: string, values: readonly unknown[]): Uint8Array {
  const params = values.flatMap((v) => {
    const b = text(v);
    return b === null ? [int32(-1)] : [int32(b.length), b];
  });
  return message('B', [cstring(''), cstring(name), int16(0), int16(values.length), ...params, int16(0)]);
}

const PORTAL = encoder.encode('P');
const describePortal = () => message('D', [PORTAL, cstring('')]);
const execute = () => message('E', [cstring(''), int32(0)]);
const sync = () => message('S', []);

/** Rows as objects, values parsed by the instance's type parsers (as `query` would), and the affected row count. */
function results(pglite: PGlite, replies: readonly { readonly name: string }[]): { rows: Record<string, unknown>[]; affectedRows: number } {
  const description = replies.find((r): r is messages.RowDescriptionMessage => r instanceof messages.RowDescriptionMessage)?.fields ?? [];
  const rows: Record<string, unknown>[] = [];
  let affectedRows = 0;
  for (const r of replies) {
    if (r instanceof messages.DataRowMessage) {
      const row: Record<string, unknown> = {};
      r.fields.forEach((v, i) => {
        const f = description[i]!;
        row[f.name] = types.parseType(v, f.dataTypeID, pglite.parsers);
      });
      rows.push(row);
    } else if (r instanceof messages.CommandCompleteMessage) affectedRows = Number(r.text.split(' ').at(-1)) || 0;
  }
  return { rows, affectedRows };
}

type Query = (text: string, params?: unknown[], options?: Record<string, unknown>) => Promise<unknown>;

const patched = new WeakSet<PGlite>();

/**
 * Makes `pglite.query` run `PREPARED_MARK` statements as named prepared statements: parsed once per instance,
 * then Bind, Describe, Execute and Sync go in ONE protocol exchange (`query` makes six, and parses and plans
 * each time): less than half the time of a one-transition write. Holds the same locks as `query`, so it never
 * runs inside another caller's transaction; anything else (other texts, options) goes to `query` unchanged.
 */
export function usePglitePreparedStatements(pglite: PGlite): void {
  if (patched.has(pglite)) return;
  patched.add(pglite);
  const query = pglite.query.bind(pglite);
  const parsed = new Set<string>();
  const fast: Query = async (sql, params, options) => {
    if (!sql.startsWith(PREPARED_MARK) || !Array.isArray(params) || (options && options['rowMode'] === 'array')) {
      return query(sql, params, options);
    }
    const name = preparedName(sql);
    return pglite._runExclusiveTransaction(() =>
      pglite.runExclusive(async () => {
        if (!parsed.has(name)) {
          await pglite.execProtocol(concat([message('P', [cstring(name), cstring(sql), int16(0)]), sync()]));
          parsed.add(name);
        }
        const { messages: replies } = await pglite.execProtocol(concat([bind(name, params), describePortal(), execute(), sync()]));
        return results(pglite, replies);
      }),
    );
  };
  // `query` is overloaded (generic in the row type); `fast` answers every overload with the same shape of result.
  Reflect.set(pglite, 'query', fast);
}
