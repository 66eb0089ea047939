/** A path inside a plan document: object keys and array indexes, outermost first (`['workstreams', 1, 'id']`). */
export type PlanPathSegment = string | number;

/** One problem found in a plan file: which file, where in it, and what is wrong. */
export interface PlanIssue {
  /** The plan file as it was named to `loadPlan` / `parsePlan` (or `<plan>` when parsed from text alone). */
  readonly file: string;
  /** Where in the document, e.g. `workstreams[1].tasks[0].depends_on[2]`; `''` for the document itself. */
  readonly path: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** 1-based line of the offending key or value in the file, when the source position is known. */
  readonly line: number | null;
  /** 1-based column of the offending key or value, when the source position is known. */
  readonly column: number | null;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Renders a path as `workstreams[1].tasks[0].depends_on[2]`; keys that are not plain words as `tools["my.tool"]`. */
export function formatPlanPath(segments: readonly PlanPathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (PLAIN_KEY.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** One issue as a line: `plan.yaml:12:7: workstreams[1].tasks[0].depends_on[2]: unknown task 'x'`. */
export function formatPlanIssue(issue: PlanIssue): string {
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** Base of every error the plan loader raises; `file` names the plan file. */
export abstract class PlanError extends Error {
  abstract readonly file: string;
}

/** The plan file could not be read (missing, a directory, unreadable). */
export class PlanReadError extends PlanError {
  override readonly name = 'PlanReadError';
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: cannot read the plan: ${reason}`, options);
  }
}

/** The file is not well-formed YAML or JSON; `line` and `column` (1-based) locate the problem when known. */
export class PlanSyntaxError extends PlanError {
  override readonly name = 'PlanSyntaxError';
  constructor(
    readonly file: string,
    readonly format: 'yaml' | 'json',
    readonly detail: string,
    readonly line: number | null,
    readonly column: number | null,
    options?: { cause?: unknown },
  ) {
    const where = line === null ? file : `${file}:${line}:${column ?? 1}`;
    super(`${where}: ${format === 'yaml' ? 'YAML' : 'JSON'} syntax error: ${detail}`, options);
  }
}

/** The document parsed but is not a valid plan: every problem found, each with file, path and message. */
export class PlanValidationError extends PlanError {
  override readonly name = 'PlanValidationError';
  constructor(
    readonly file: string,
    readonly issues: readonly PlanIssue[],
  ) {
    const n = issues.length;
    super([`${file}: invalid plan (${n} error${n === 1 ? '' : 's'}):`, ...issues.map((i) => `  ${formatPlanIssue(i)}`)].join('\n'));
  }
}

/** A dependency graph that was expected to be acyclic has a cycle (a plan that skipped validation); names its members. */
export class DependencyCycleError extends Error {
  override readonly name = 'DependencyCycleError';
  constructor(readonly members: readonly string[]) {
    super(`dependency cycle among: ${members.join(', ')}`);
  }
}

/** A phase's stored policy (`phases.policy`) is not a valid phase policy (plan/phase-policy.ts); names the phase and each problem. */
export class InvalidPhasePolicyError extends Error {
  override readonly name = 'InvalidPhasePolicyError';
  constructor(
    readonly phaseId: string,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`phase ${phaseId}: invalid policy in phases.policy: ${problems.join('; ')}`, options);
  }
}

/**
 * A run's recorded plan (`run_sources.plan`) does not have the shape of a normalized plan of that run: written by
 * something else, or by a build whose plan shape differs.
 */
export class RecordedPlanError extends Error {
  override readonly name = 'RecordedPlanError';
  constructor(
    readonly runId: string,
    /** The JSON type found (`object` when an object of the wrong shape). */
    readonly found: string,
  ) {
    super(`run ${runId}: the plan recorded in the database is not a normalized plan of this run (found ${found === 'object' ? 'an object of another shape' : found === 'array' ? 'an array' : found})`);
  }
}
