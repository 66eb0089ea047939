import { NO_USAGE, type UsageAmounts } from '../persistence/index.js';

/** The prefix of a usage report on a tool's standard output (issue 15): `gantry-usage {"input_tokens":N,...}`. */
export const USAGE_PREFIX = 'gantry-usage ';

/** The most tokens (input or output) one usage line may report: more is refused as absurd. */
export const MAX_LINE_TOKENS = 1e9;
/** The most dollars one usage line may report: more is refused as absurd. */
export const MAX_LINE_COST_USD = 1e4;

/** What one line of output is: not a usage report (null), a report, or a report refused (with why). */
export type UsageLine = null | { readonly usage: UsageAmounts } | { readonly refused: string };

const KEYS = ['input_tokens', 'output_tokens', 'cost_usd'] as const;

/**
 * Reads one line of a tool's standard output as a usage report: `gantry-usage ` then a JSON object with any of
 * `input_tokens`, `output_tokens` (integers ≥ 0, at most {@link MAX_LINE_TOKENS}) and `cost_usd` (a number ≥ 0, at most
 * {@link MAX_LINE_COST_USD}); absent keys count 0, other keys are ignored. A line that starts with the prefix but is
 * not such an object, or reports a negative, fractional token count, not-a-number or absurd amount, is refused.
 */
export function parseUsageLine(line: string): UsageLine {
  if (!line.startsWith(USAGE_PREFIX)) return null;
  let data: unknown;
  try {
    data = JSON.parse(line.slice(USAGE_PREFIX.length));
  } catch {
    return { refused: 'not JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { refused: 'not a JSON object' };
  const o = data as Record<string, unknown>;
  if (!KEYS.some((k) => k in o)) return { refused: `none of ${KEYS.join(', ')}` };
  const usage: Record<(typeof KEYS)[number], number> = { ...NO_USAGE };
  for (const k of KEYS) {
    if (!(k in o)) continue;
    const v = o[k];
    const max = k === 'cost_usd' ? MAX_LINE_COST_USD : MAX_LINE_TOKENS;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return { refused: `${k} is not a number ≥ 0` };
    if (k !== 'cost_usd' && !Number.isInteger(v)) return { refused: `${k} is not an integer` };
    if (v > max) return { refused: `${k} ${v} is absurd (more than ${max} in one line)` };
    usage[k] = v;
  }
  return { usage };
}
