import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../actors/canonical-json.js';

// The audit chain hashes this text: it must stay byte for byte what `JSON.stringify` of the key-sorted copy was
// (the form every stored hash was computed from), whatever the writer's implementation.
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v instanceof Date) return v.toISOString();
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = sortKeys(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

/** A deterministic pseudo-random generator (mulberry32), so a failure is reproducible. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ['', 'a', 'Zeta', 'é', '\u2028', '"quoted"', 'back\\slash', 'line\nbreak', '\u0000', '😀', 'B', 'aa', '10', '9', '01', '4294967295', '4294967294'];
const NUMBERS = [0, -0, 1, -1, 1.5, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity];

function value(r: () => number, depth: number, keySuffixes: readonly string[] = ['', 'x', '1'], strings: readonly string[] = STRINGS): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const kind = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (kind) {
    case 0: return pick(STRINGS);
    case 1: return pick(NUMBERS);
    case 2: return r() < 0.5;
    case 3: return null;
    case 4: return undefined;
    case 5: return new Date(Math.floor(r() * 4e12));
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1, keySuffixes, strings));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 5); i > 0; i--) o[pick(strings) + pick(keySuffixes)] = value(r, depth + 1, keySuffixes, strings);
      return o;
    }
  }
}

describe('canonicalJson', () => {
  it('sorts keys at every level, leaves out undefined members and writes dates as ISO strings', () => {
    const d = new Date('2026-12-04T10:00:00.123Z');
    expect(canonicalJson({ b: 1, a: { d: [3, undefined, { z: 1, y: undefined }], c: d }, u: undefined })).toBe(
      '{"a":{"c":"2026-12-04T10:00:00.123Z","d":[3,null,{"z":1}]},"b":1}',
    );
  });

  it('is the key-sorted JSON.stringify for 5,000 generated values (strings, numbers, dates, nesting)', () => {
    const r = rng(14);
    for (let i = 0; i < 5000; i++) {
      const v = value(r, 0);
      expect(canonicalJson(v), JSON.stringify(reference(v))).toBe(reference(v));
    }
  });

  it('is the key-sorted JSON.stringify for 5,000 values whose keys start with no digit (written without a copy)', () => {
    const r = rng(15);
    const letters = STRINGS.filter((s) => !/^[0-9]/.test(s)).map((s) => `k${s}`).concat(['', 'é', '\u2028', '"q', 'a'.repeat(80)]);
    for (let i = 0; i < 5000; i++) {
      const v = value(r, 0, ['', 'x', '1', '\ud800'], letters);
      expect(canonicalJson(v), JSON.stringify(reference(v))).toBe(reference(v));
    }
  });

  it('writes class instances, objects with toJSON and null-prototype objects as the copy did', () => {
    class Point { constructor(readonly y: number, readonly x: number) {} }
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 2 });
    for (const v of [new Point(1, 2), { b: 1, toJSON: () => 'x' }, bare, { s: Symbol('s'), f: () => 1, list: [() => 1, undefined] }]) {
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });

  it('refuses a bigint as JSON.stringify does', () => {
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});
