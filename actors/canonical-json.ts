/**
 * JSON with object keys sorted at every level and no whitespace: the canonical form hashed into the audit chain.
 * Exactly `JSON.stringify` of a copy of the value whose objects have their keys sorted (a JavaScript object keeps
 * array-index keys first, in numeric order), undefined members left out, dates as ISO strings. Parts of the value
 * already in that form are not copied (every transition hashes one such value).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
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
