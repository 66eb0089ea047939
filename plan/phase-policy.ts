import { z } from 'zod';
import { InvalidPhasePolicyError } from './errors.js';
import { globProblem } from './path-matcher.js';

/**
 * A phase's policy (`phases.policy`, SSOT §2.2: a validated patch is `accepted` "by phase policy", else it takes
 * `policy_violation` and is quarantined). Every rule is optional; the empty policy `{}` allows every patch (the
 * default). Written from the plan's `run.phase_policy` to the phase row, read from the row when a patch is decided.
 *
 * - `max_files`: the most files one patch may touch;
 * - `max_bytes`: the largest patch (its unified diff, UTF-8 bytes);
 * - `allowed_paths`: globs (as `patch_rules.allowed_paths`) every touched path must match;
 * - `require_gates`: a patch is accepted only from a task that has validation gates.
 */
export const phasePolicySchema = z.strictObject({
  max_files: z.number().int().positive().optional(),
  max_bytes: z.number().int().positive().optional(),
  allowed_paths: z
    .array(
      z.string().superRefine((pattern, ctx) => {
        const problem = globProblem(pattern);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    )
    .min(1, 'allowed_paths needs at least one glob (leave it out to allow every path)')
    .optional(),
  require_gates: z.boolean().optional(),
});

/** A phase policy after zod (see {@link phasePolicySchema}). */
export type PhasePolicy = z.output<typeof phasePolicySchema>;

/** Reads the stored policy of phase `phaseId` (a `phases.policy` value); `InvalidPhasePolicyError` naming the phase and the problems otherwise. */
export function parsePhasePolicy(phaseId: string, value: unknown): PhasePolicy {
  const r = phasePolicySchema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`);
  throw new InvalidPhasePolicyError(phaseId, problems, { cause: r.error });
}
