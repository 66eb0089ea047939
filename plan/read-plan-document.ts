import { extname } from 'node:path';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { type PlanPathSegment, PlanSyntaxError } from './errors.js';
import { jsonErrorOffset } from './json-error-offset.js';
import type { PlanFormat } from './plan.js';

/** A 1-based line and column in the plan file. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** A plan file parsed into plain data, with a way back from a path in the data to a position in the file. */
export interface PlanDocument {
  readonly data: unknown;
  readonly format: PlanFormat;
  /** Position of the value at `path` (of the key, for a map entry); the nearest enclosing node when it is missing. */
  locate(path: readonly PlanPathSegment[]): SourcePosition | null;
}

/** The format of a plan: by extension (`.yaml`, `.yml`, `.json`), else by content (a leading `{` is JSON). */
export function planFormatOf(file: string, text: string): PlanFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/** Walks the YAML node tree along `path`; answers the deepest position reached. */
function locator(doc: Document | null, lines: LineCounter): PlanDocument['locate'] {
  return (path) => {
    if (!doc) return null;
    let node: unknown = doc.contents;
    let at: number | null = isNodeWithRange(node) ? node.range[0] : null;
    for (const segment of path) {
      let next: unknown = undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair && isNodeWithRange(pair.key)) at = pair.key.range[0];
        next = pair?.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
        if (isNodeWithRange(next)) at = next.range[0];
      }
      if (next === undefined) break;
      node = next;
    }
    if (at === null) return null;
    const { line, col } = lines.linePos(at);
    return { line, column: col };
  };
}

/** 1-based line and column of a 0-based offset. */
function positionOf(text: string, offset: number): SourcePosition {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

function isNodeWithRange(n: unknown): n is YamlNode & { range: [number, number, number] } {
  return typeof n === 'object' && n !== null && Array.isArray((n as { range?: unknown }).range);
}

function parseYaml(text: string, file: string, format: PlanFormat): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first && format === 'yaml') {
    const pos = first.linePos?.[0];
    const detail = first.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
    throw new PlanSyntaxError(file, format, doc.errors.length > 1 ? `${detail} (and ${doc.errors.length - 1} more)` : detail, pos?.line ?? null, pos?.col ?? null, { cause: first });
  }
  return { doc, lines };
}

/**
 * Parses a plan's text as YAML or JSON (plain data, no custom tags) and keeps the source positions. Throws
 * `PlanSyntaxError` with line and column for malformed text, duplicate keys, several YAML documents in one file, or
 * aliases YAML cannot resolve. The data is not validated here.
 */
export function readPlanDocument(text: string, file: string, format: PlanFormat = planFormatOf(file, text)): PlanDocument {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(source);
    } catch (err) {
      const problem = jsonErrorOffset(source);
      const pos = problem ? positionOf(source, problem.offset) : null;
      throw new PlanSyntaxError(file, format, problem?.message ?? (err as Error).message, pos?.line ?? null, pos?.column ?? null, { cause: err });
    }
    // The YAML reader finds duplicate keys (JSON.parse keeps the last silently) and gives positions for later errors.
    const { doc, lines } = parseYaml(source, file, format);
    const duplicate = doc.errors.find((e) => e.code === 'DUPLICATE_KEY');
    if (duplicate) {
      const pos = duplicate.linePos?.[0];
      throw new PlanSyntaxError(file, format, 'duplicate key in an object', pos?.line ?? null, pos?.col ?? null);
    }
    return { data, format, locate: doc.errors.length ? () => null : locator(doc, lines) };
  }
  const { doc, lines } = parseYaml(source, file, format);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new PlanSyntaxError(file, format, (err as Error).message, null, null, { cause: err });
  }
  return { data, format, locate: locator(doc, lines) };
}
