/**
 * JSON with object keys sorted at every level and no whitespace: the canonical form hashed into the audit chain.
 * Exactly `JSON.stringify` of a copy of the value whose objects have their keys sorted (a JavaScript object keeps
 * array-index keys first, in numeric order), undefined members left out, dates as ISO strings. Plain JSON values
 * (what the audit's metadata and the hashed fields are) are written directly, without a copy; anything else takes
 * the copying path, so both give the same text (every transition hashes one such value; `audit verify` one per row).
 */
export function canonicalJson(value: unknown): string {
  const direct = write(value);
  return typeof direct === 'string' ? direct : JSON.stringify(canonical(value));
}

/** Returned by {@link write} for a value the direct writer does not handle (the copying path does). */
const OTHER = Symbol('other');

/** Strings that JSON writes as themselves between quotes: no quote, backslash, control character or surrogate. */
const PLAIN_STRING = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** JSON text of a string, as `JSON.stringify` writes it. */
export function jsonString(s: string): string {
  return s.length < 64 && PLAIN_STRING.test(s) ? `"${s}"` : JSON.stringify(s);
}

/**
 * The canonical text of a plain JSON value (null, boolean, number, string, array, plain object whose keys start with
 * no digit, date), undefined for a value an object member leaves out, or OTHER (the caller copies instead).
 */
function write(value: unknown): string | undefined | typeof OTHER {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
    default:
      return OTHER;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const c = write(value[i]);
      if (c === OTHER) return OTHER;
      out += (i === 0 ? '' : ',') + (c ?? 'null');
    }
    return out + ']';
  }
  if (value instanceof Date) return jsonString(value.toISOString());
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return OTHER;
  const record = value as Record<string, unknown>;
  if (typeof record['toJSON'] === 'function') return OTHER;
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const c = keys[i]!.charCodeAt(0);
    if (c >= 48 && c <= 57) return OTHER; // array-index candidates: JavaScript reorders them (the copying path)
    if (i > 0 && keys[i - 1]! > keys[i]!) sorted = false;
  }
  if (!sorted) keys.sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const c = write(record[k]);
    if (c === OTHER) return OTHER;
    if (c === undefined) continue;
    out += `${first ? '' : ','}${jsonString(k)}:${c}`;
    first = false;
  }
  return out + '}';
}

/** Whether a key may stand where it is with no copy: not an array-index candidate, after its predecessor. */
const inOrder = (prev: string | undefined, key: string): boolean => {
  const c = key.charCodeAt(0);
  return !(c >= 48 && c <= 57) && (prev === undefined || prev < key);
};

/** `value` itself when it is already canonical, else a canonical copy (as the sorted copy always was). */
function canonical(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const c = canonical(value[i]);
      if (out === null && c !== value[i]) out = value.slice(0, i);
      if (out !== null) out.push(c);
    }
    return out ?? value;
  }
  if (value instanceof Date) return value.toISOString();
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // An own toJSON would be called by JSON.stringify on the original; the canonical form ignores it (a copy has none).
  let ordered = typeof record['toJSON'] !== 'function';
  for (let i = 0; ordered && i < keys.length; i++) ordered = inOrder(keys[i - 1], keys[i]!);
  if (!ordered) {
    const out: Record<string, unknown> = {};
    for (const k of keys.sort()) {
      const v = record[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  // Keys in order: the value is its own canonical form unless a member is not (or is undefined).
  let out: Record<string, unknown> | null = null;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = record[k];
    const c = v === undefined ? undefined : canonical(v);
    if (out === null && (v === undefined || c !== v)) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = record[keys[j]!];
    }
    if (out !== null && c !== undefined) out[k] = c;
  }
  return out ?? value;
}
