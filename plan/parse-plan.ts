import { dirname, resolve } from 'node:path';
import { formatPlanPath, type PlanIssue, PlanValidationError } from './errors.js';
import { normalizePlan } from './normalize-plan.js';
import type { Plan, PlanFormat } from './plan.js';
import { planFileSchema } from './plan-file-schema.js';
import { type PlanDocument, planFormatOf, readPlanDocument } from './read-plan-document.js';
import { validatePlanFile } from './validate-plan-file.js';
import { type RawPlanIssue, zodPlanIssues } from './zod-plan-issues.js';

/** Options of `parsePlan`. */
export interface ParsePlanOptions {
  /** The plan file's name: used in every error, to pick the format by extension, and as the base of `run.repository`. */
  readonly file?: string;
  /** `yaml` or `json`; default by the file's extension, else by content (a leading `{` is JSON). */
  readonly format?: PlanFormat;
  /** Folder `run.repository` is relative to; default the plan file's folder, else the current directory. */
  readonly baseDir?: string;
  /** Run id when the plan has none; default a new ULID. */
  readonly generateId?: () => string;
}

/** The name errors use when `parsePlan` is given no file. */
export const ANONYMOUS_PLAN = '<plan>';

function located(raw: readonly RawPlanIssue[], file: string, doc: PlanDocument): PlanIssue[] {
  const issues = raw.map((r) => {
    const pos = doc.locate(r.path);
    return { file, path: formatPlanPath(r.path), message: r.message, line: pos?.line ?? null, column: pos?.column ?? null };
  });
  // File order reads best; issues without a position keep their place after the located ones.
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.i - b.i)
    .map((x) => x.issue);
}

/** Top-level keys starting with `x-` are extension fields (a place for YAML anchors, as in Compose files): dropped. */
function withoutExtensions(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([k]) => !k.startsWith('x-')));
}

function describeTop(data: unknown): string | null {
  if (data === null || data === undefined) return 'the plan is empty: expected a mapping with at least run and workstreams';
  if (typeof data !== 'object' || Array.isArray(data)) {
    return `the plan must be a mapping (key: value) with at least run and workstreams, not ${Array.isArray(data) ? 'a list' : `a ${typeof data}`}`;
  }
  return null;
}

/**
 * Parses and validates a plan from its text (docs/design/plan.md): YAML or JSON → `planFileSchema` (structure, types, defaults,
 * unknown keys) → the semantic checks (ids, references, cycles, capabilities) → the normalized `Plan`. Throws
 * `PlanSyntaxError` for malformed text and `PlanValidationError` with every issue found otherwise; structural issues
 * are all reported together, and the semantic checks run (and are all reported) once the structure is valid.
 * Top-level keys starting with `x-` are ignored (room for YAML anchors); any other unknown key is an error.
 */
export function parsePlan(text: string, options: ParsePlanOptions = {}): Plan {
  const name = options.file ?? ANONYMOUS_PLAN;
  const format = options.format ?? planFormatOf(options.file ?? '', text);
  const doc = readPlanDocument(text, name, format);

  const top = describeTop(doc.data);
  if (top) throw new PlanValidationError(name, located([{ path: [], message: top }], name, doc));

  const parsed = planFileSchema.safeParse(withoutExtensions(doc.data as Record<string, unknown>));
  if (!parsed.success) throw new PlanValidationError(name, located(zodPlanIssues(parsed.error, doc.data, planFileSchema), name, doc));

  const absolute = options.file === undefined ? ANONYMOUS_PLAN : resolve(options.file);
  const baseDir = options.baseDir ?? (options.file === undefined ? process.cwd() : dirname(absolute));
  const findings = validatePlanFile(parsed.data, parsed.data.run.repository === undefined ? null : resolve(baseDir, parsed.data.run.repository));
  if (findings.errors.length) throw new PlanValidationError(name, located(findings.errors, name, doc));

  return normalizePlan(parsed.data, {
    file: absolute,
    format,
    baseDir,
    warnings: located(findings.warnings, name, doc),
    ...(options.generateId ? { generateId: options.generateId } : {}),
  });
}
