import type { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import type { PlanPathSegment } from './errors.js';

/** A problem at a path of the document, before the file and source position are attached. */
export interface RawPlanIssue {
  readonly path: readonly PlanPathSegment[];
  readonly message: string;
}

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
};

/** How a value found in the document reads in a message. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  return String(value);
}

/** The reason a bound gives (plan/plan-limits.ts) in parentheses, or nothing for zod's own "Too big/small" text. */
function why(message: string): string {
  return message === '' || /^too (big|small)/i.test(message) ? '' : ` (${message})`;
}

/** The value at `path` in the raw document, or undefined. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const s of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[s];
  }
  return v;
}

/** The schemas that may describe the value at `path` (unions give several), unwrapping defaults, optionals and pipes. */
function schemasAt(schema: AnySchema, path: readonly PropertyKey[]): AnySchema[] {
  // Every zod schema is one of `$ZodTypes`, whose defs are a union discriminated by `type`.
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return schemasAt(def.innerType, path);
    case 'pipe':
      return [...schemasAt(def.in, path), ...schemasAt(def.out, path)];
    case 'union':
      return def.options.flatMap((o) => schemasAt(o, path));
  }
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === 'object') {
    const child = def.shape[String(head)];
    return child ? schemasAt(child, rest) : [];
  }
  if (def.type === 'array' && typeof head === 'number') return schemasAt(def.element, rest);
  if (def.type === 'record') return schemasAt(def.valueType, rest);
  return [];
}

/** The keys the object schema at `path` accepts. */
function knownKeys(root: AnySchema, path: readonly PropertyKey[]): string[] {
  return schemasAt(root, path).flatMap((s) => {
    const def = (s as z.core.$ZodTypes)._zod.def;
    return def.type === 'object' ? Object.keys(def.shape) : [];
  });
}

function segments(path: readonly PropertyKey[]): PlanPathSegment[] {
  return path.map((s) => (typeof s === 'number' ? s : String(s)));
}

/** One zod issue as plan issues: missing keys, wrong types, unknown keys (one each, with a suggestion), bad ids. */
function convert(issue: Issue, data: unknown, root: AnySchema, base: readonly PropertyKey[]): RawPlanIssue[] {
  const path = [...base, ...issue.path];
  const value = valueAt(data, path);
  const at = (message: string): RawPlanIssue[] => [{ path: segments(path), message }];
  const parent = valueAt(data, path.slice(0, -1));
  const missing = value === undefined && typeof parent === 'object' && parent !== null && !Array.isArray(parent);
  if (missing && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) return at(`required key '${String(path[path.length - 1])}' is missing`);
  switch (issue.code) {
    case 'invalid_type': {
      return at(`expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(value)}`);
    }
    case 'unrecognized_keys': {
      const known = knownKeys(root, path);
      return issue.keys.map((key) => ({
        path: segments([...path, key]),
        message: `unknown key '${key}'${didYouMean(key, known)}; allowed here: ${known.join(', ')}`,
      }));
    }
    case 'invalid_value': {
      const options = issue.values.map(String);
      return at(`expected one of ${options.join(', ')}, got ${describe(value)}${typeof value === 'string' ? didYouMean(value, options) : ''}`);
    }
    case 'invalid_union': {
      // The branch that got the type right explains the problem better than "matches no branch".
      const closest = issue.errors.find((branch) => branch.length > 0 && !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
      return closest ? closest.flatMap((i) => convert(i, data, root, path)) : at(issue.message);
    }
    case 'invalid_key': {
      const key = String(path[path.length - 1]);
      return at(`invalid key '${key}': ${issue.issues.map((i) => i.message).join('; ')}`);
    }
    case 'too_small': {
      if (issue.origin === 'number') return at(`expected a number ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}${why(issue.message)}, got ${describe(value)}`);
      return at(issue.message.startsWith('Too small') ? `expected at least ${String(issue.minimum)} item(s)` : issue.message);
    }
    case 'too_big':
      return at(issue.origin === 'number' ? `expected a number ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}${why(issue.message)}, got ${describe(value)}` : issue.message);
    case 'invalid_format':
      return at(typeof value === 'string' ? `${JSON.stringify(value)} is not valid: ${issue.message}` : issue.message);
    default:
      return at(issue.message);
  }
}

/** Turns a zod error from `planFileSchema` into plan issues with readable messages, in zod's order. */
export function zodPlanIssues(error: z.ZodError, data: unknown, schema: AnySchema): RawPlanIssue[] {
  return error.issues.flatMap((issue) => convert(issue, data, schema, []));
}
