import { readFile } from 'node:fs/promises';
import { PlanReadError } from './errors.js';
import { type ParsePlanOptions, parsePlan } from './parse-plan.js';
import type { Plan } from './plan.js';

/** Options of `loadPlan`: those of `parsePlan` but the file, which is the argument. */
export type LoadPlanOptions = Omit<ParsePlanOptions, 'file'>;

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
};

/**
 * Reads a plan file (`.yaml`, `.yml` or `.json`; any other name is read by content) and returns the validated,
 * normalized `Plan`, with `run.repository` resolved against the file's folder. Errors name `file` as given:
 * `PlanReadError` (unreadable), `PlanSyntaxError` (malformed, with line and column), `PlanValidationError` (every
 * issue, each with its path in the document). Reads nothing else and writes nothing.
 */
export async function loadPlan(file: string, options: LoadPlanOptions = {}): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new PlanReadError(file, REASONS[code] ?? (err as Error).message, { cause: err });
  }
  return parsePlan(text, { ...options, file });
}
