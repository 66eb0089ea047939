import { RecordedPlanError } from './errors.js';
import type { Plan } from './plan.js';

/** The top-level keys a normalized plan has (plan.ts `Plan`), each with the JSON type it must have. */
const SHAPE: Readonly<Record<keyof Plan, 'object' | 'array' | 'string'>> = {
  file: 'string',
  format: 'string',
  run: 'object',
  patch_rules: 'object',
  workers: 'object',
  circuit_breakers: 'object',
  retry: 'object',
  sandbox: 'object',
  workstreams: 'array',
  tasks: 'array',
  warnings: 'array',
};

const kindOf = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** Whether `value` has the shape of a normalized plan of run `runId` (what `startRun` recorded as JSON). */
function isRecordedPlan(value: unknown, runId: string): value is Plan {
  if (kindOf(value) !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (!Object.entries(SHAPE).every(([key, kind]) => kindOf(v[key]) === kind)) return false;
  return (v['run'] as Record<string, unknown>)['id'] === runId;
}

/**
 * A run's plan as the engine recorded it in the database when the run started (normalized and validated then, JSON
 * now; `gantry audit verify` checks it against its audited hash): typed again after checking it has a normalized
 * plan's shape and names run `runId`. `RecordedPlanError` otherwise (a row written by something else, or by a build
 * whose plan shape differs).
 */
export function recordedPlan(value: unknown, runId: string): Plan {
  if (!isRecordedPlan(value, runId)) throw new RecordedPlanError(runId, kindOf(value));
  return value;
}
