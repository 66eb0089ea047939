import { z } from 'zod';
import { breakerConfigSchema, DEFAULT_BACKOFF, DEFAULT_MAX_CONFLICT_ROUNDS, idSchema, ON_CONFLICT, OPERATOR_NAME_PATTERN, taskInputSchema, testGateInputSchema, workerInputSchema } from '../machines/index.js';
import { UnsupportedRemoteError } from '../git/errors.js';
import { remoteScheme } from '../git/remote-transport.js';
import { globProblem } from './path-matcher.js';
import { phasePolicySchema } from './phase-policy.js';
import { bounded, PLAN_LIMITS as L } from './plan-limits.js';
import type { PlanSandbox } from './plan.js';

// The plan file as users write it (docs/design/plan.md, a contract: keep every name). Every object is strict: a key the
// schema does not know is an error, so a typo in a contract file is never silently ignored. Defaults of the SSOT
// come from machines/ (task: SSOT §6.3, gate: §2.3, worker: §1.5, breaker: §2.4, backoff: machines/backoff.ts).

/** A relative glob of `allowed_paths` / `forbidden` (see `globProblem`). */
const globSchema = z.string().superRefine((pattern, ctx) => {
  const problem = globProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A worker capability or a task requirement: an id (`node`, `git`, `gpu-a100`). */
const capabilitySchema = idSchema;

/** A command: an argv array (run directly) or a string (run by `sh -c`). */
const commandSchema = z.union([z.string().regex(/\S/, 'a command must not be blank'), z.array(z.string().min(1, 'an argv element must not be empty')).min(1, 'an argv array needs at least the program')], {
  error: 'expected a command: a non-blank string (run by sh -c) or a non-empty argv array of strings',
});

/** An environment variable name, as POSIX shells accept it. */
const envNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are [A-Za-z_][A-Za-z0-9_]*');

/** A git branch name, by the main rules of `git check-ref-format --branch`. */
const branchSchema = z
  .string()
  .min(1)
  .refine((b) => !/[\s~^:?*[\\]|\.\.|@\{|\/\/|^[-/.]|[/.]$|\.lock$/.test(b) && b !== '@', 'not a valid git branch name');

/** Breaker settings as written: every field optional, merged over the defaults below it (SSOT §2.4). */
const breakerOverrideSchema = z.strictObject({
  failure_threshold: bounded(breakerConfigSchema.shape.failure_threshold.unwrap(), L.dbCount).optional(),
  cooldown_seconds: bounded(breakerConfigSchema.shape.cooldown_seconds.unwrap(), L.delaySec).optional(),
  success_threshold: bounded(breakerConfigSchema.shape.success_threshold.unwrap(), L.dbCount).optional(),
});

/**
 * `budget:` (issue 15) on a task, a workstream or the run: the most its tools may spend, as they report it
 * (`gantry-usage` lines). At least one of the two limits.
 */
const budgetSchema = z
  .strictObject({
    cost_usd: z.number().positive().finite().optional(),
    tokens: bounded(z.number().int().positive(), { max: Number.MAX_SAFE_INTEGER, why: 'token counts are exact up to 2^53-1' }).optional(),
  })
  .refine((b) => b.cost_usd !== undefined || b.tokens !== undefined, 'a budget needs cost_usd, tokens or both');

/** `run:` — which run, phase, repository and target branch. */
/** Why `url` cannot be a `run.remote` (issue 16), or null: git/remote-transport.ts decides which transports are allowed. */
function remoteProblem(url: string): string | null {
  try {
    remoteScheme(url);
    return null;
  } catch (err) {
    if (err instanceof UnsupportedRemoteError) return err.message;
    throw err;
  }
}

/** `run.remote` (issue 16): a git URL or path that workers on other hosts fetch from and the engine pushes to. */
const remoteSchema = z.string().min(1, 'the remote URL must not be empty').superRefine((url, c) => {
  const problem = remoteProblem(url);
  if (problem !== null) c.addIssue({ code: 'custom', message: problem });
});

const runSchema = z.strictObject({
  id: idSchema.optional(),
  phase: idSchema,
  // Exactly one of `repository` and `remote`: with `remote` the engine keeps its own clone of it in its state directory.
  repository: z.string().min(1, 'the repository path must not be empty').optional(),
  remote: remoteSchema.optional(),
  target_branch: branchSchema.default('main'),
  // Optional (an addition to docs/design/plan.md): the phase's policy, written to `phases.policy` (SSOT §2.2; absent: allow all).
  phase_policy: phasePolicySchema.optional(),
  budget: budgetSchema.optional(),
})
  // Checked even when other keys of `run` are wrong (`when`), so that every missing key is named at once.
  .refine((r: unknown) => !isRecord(r) || r['repository'] !== undefined || r['remote'] !== undefined, { message: "required key 'repository' is missing (or give run.remote: the engine then keeps its own clone of it)", path: ['repository'], when: () => true })
  .refine((r: unknown) => !isRecord(r) || r['repository'] === undefined || r['remote'] === undefined, { message: 'give run.repository or run.remote, not both: with run.remote the engine keeps its own clone of it in its state directory', path: ['remote'], when: () => true });

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `patch_rules:` — scope and constraint checks of every patch (SSOT §2.2). */
const patchRulesSchema = z.strictObject({
  allowed_paths: z.array(globSchema).default(['**']),
  forbidden: z.array(globSchema).default(['.git/**']),
  max_bytes: bounded(z.number().int().positive(), L.patchBytes).default(1_000_000),
});

/** One orchestration worker pool (SSOT §1.5): `count` workers `<id>-1 … <id>-<count>`. */
const workerPoolSchema = z.strictObject({
  id: idSchema,
  count: bounded(z.number().int().positive(), L.entities).default(1),
  capabilities: z.array(capabilitySchema).default([]),
  max_concurrent_tasks: bounded(workerInputSchema.shape.max_concurrent_tasks, L.dbCount),
  affinity: z.array(idSchema).default([]),
});

/** `workers:` — orchestration pools, UET workers, the heartbeat interval and recovery window (optional engine settings). */
const workersSchema = z.strictObject({
  orchestration: z.array(workerPoolSchema).min(1, 'at least one orchestration pool is needed').prefault([{ id: 'agent' }]),
  uet: z.strictObject({ count: bounded(z.number().int().positive(), L.entities).default(1) }).prefault({}),
  heartbeat_interval_sec: bounded(z.number().positive(), L.heartbeatSec).default(60),
  // SSOT §1.5: an unresponsive worker is shut down after this window (default 300 s); tests shorten it.
  recovery_timeout_sec: bounded(z.number().positive(), L.delaySec).default(300),
});

/** `circuit_breakers:` — a default and per-tool overrides, both over the SSOT defaults. */
const circuitBreakersSchema = z.strictObject({
  default: breakerOverrideSchema.prefault({}),
  tools: z.record(idSchema, breakerOverrideSchema).default({}),
});

/** `retry:` (optional engine setting) — exponential backoff between task attempts. */
const retrySchema = z.strictObject({
  backoff_base_ms: bounded(z.number().int().positive(), L.delayMs).default(DEFAULT_BACKOFF.base_ms),
  backoff_cap_ms: bounded(z.number().int().positive(), L.delayMs).default(DEFAULT_BACKOFF.cap_ms),
});

/** A path the sandbox exposes: absolute, `~/…` (the home folder) or relative to the plan file's folder. */
const sandboxPathSchema = z.string().min(1, 'a sandbox path must not be empty').refine((p) => !p.includes('\0'), 'a sandbox path must not contain NUL');

/** The run-wide default sandbox: `auto`, network on, no extra paths (issue 11). */
export const DEFAULT_SANDBOX: PlanSandbox = { mode: 'auto', network: true, read_write: [], read_only: [] };

/** `auto` (bubblewrap where it works, else unsandboxed with a warning), `required` (refuse without it), `none`. */
const sandboxModeSchema = z.enum(['auto', 'required', 'none']);

/**
 * `sandbox:` (an addition to docs/design/plan.md) — run-wide, or per task over the run-wide one: a mode, or an object with a mode,
 * network access and extra writable / read-only paths. Every field is optional (see `normalizePlan` for the merge).
 */
const sandboxSchema = z.union(
  [
    sandboxModeSchema,
    z.strictObject({
      mode: sandboxModeSchema.optional(),
      network: z.boolean().optional(),
      read_write: z.array(sandboxPathSchema).optional(),
      read_only: z.array(sandboxPathSchema).optional(),
    }),
  ],
  { error: 'expected auto | required | none, or an object { mode, network, read_write, read_only }' },
);

/**
 * What the plan's author expects of a workstream or task (issue 13): `failure` marks one that is meant to fail (a
 * demonstration, a known-bad change), so that summaries tell a failure by design from a surprise. Changes nothing
 * in how it runs. Optional; absent means `success`.
 */
const expectSchema = z.enum(['success', 'failure']);

/** How long a MANUAL gate waits for one of its approvers unless its `timeout_sec` says otherwise: a day. */
export const MANUAL_GATE_TIMEOUT_SEC = 86_400;

/**
 * One test gate of a workstream (SSOT §2.3). A `MANUAL` gate (issue 15, EXT-6) has `approvers` (operator names, at
 * least one) and no `command`: it waits for `gantry approve` / `gantry reject` by one of them. Every other type has a
 * `command` and no `approvers`.
 */
const gateSchema = z
  .strictObject({
    id: idSchema,
    type: testGateInputSchema.shape.gate_type,
    command: commandSchema.optional(),
    approvers: z.array(z.string().regex(OPERATOR_NAME_PATTERN, `an approver is an operator name (${OPERATOR_NAME_PATTERN.source})`)).optional(),
    timeout_sec: bounded(testGateInputSchema.shape.timeout_sec.removeDefault(), L.timeoutSec).optional(),
    expect_exit: testGateInputSchema.shape.expected_exit,
    depends_on: z.array(idSchema).default([]),
  })
  .superRefine((g, ctx) => {
    if (g.type === 'MANUAL') {
      if (g.command !== undefined) ctx.addIssue({ code: 'custom', path: ['command'], message: 'a MANUAL gate runs no command: it waits for gantry approve by one of its approvers' });
      if (g.approvers === undefined || g.approvers.length === 0) ctx.addIssue({ code: 'custom', path: ['approvers'], message: 'a MANUAL gate needs approvers: the operators who may approve or reject it' });
    } else {
      if (g.command === undefined) ctx.addIssue({ code: 'custom', path: ['command'], message: `a ${g.type} gate needs a command` });
      if (g.approvers !== undefined) ctx.addIssue({ code: 'custom', path: ['approvers'], message: 'only a MANUAL gate has approvers' });
    }
  })
  // A command gate's default timeout is its machine's; a person deciding a MANUAL gate gets a day by default.
  .transform((g) => ({ ...g, timeout_sec: g.timeout_sec ?? (g.type === 'MANUAL' ? MANUAL_GATE_TIMEOUT_SEC : testGateInputSchema.shape.timeout_sec.parse(undefined)) }));

/** Environment variables: name → string, number or boolean (values become strings). */
const envSchema = z.record(envNameSchema, z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' }).transform(String)).default({});

/** A file of the repository: relative, `/`-separated, without `..`, `.git/`, NUL or a leading `/` (issue 15). */
const repoFileSchema = z
  .string()
  .min(1, 'a repository path must not be empty')
  .refine((p) => !p.startsWith('/') && !p.includes('\0') && !p.split('/').some((s) => s === '..' || s === '.git'), 'a path relative to the repository, without `..`, `.git` or a leading `/`');

/** `tools.<name>:` (issue 15) — a tool profile: the command a task naming it runs (when it has none) and its environment. */
const toolProfileSchema = z.strictObject({
  command: commandSchema,
  env: envSchema,
});

/** One task of a workstream (SSOT §1.4). `expect_exit` also takes a single code. */
const taskSchema = z.strictObject({
  id: idSchema,
  tool: idSchema.optional(),
  // Optional when `tool` names a profile of `tools:` (issue 15); `validatePlanFile` checks that one of them is there.
  command: commandSchema.optional(),
  prompt: z.string().min(1, 'a prompt must not be empty').refine((p) => !p.includes('\0'), 'a prompt must not contain NUL').optional(),
  prompt_file: repoFileSchema.optional(),
  depends_on: z.array(idSchema).default([]),
  gates: z.array(idSchema).default([]),
  requires: z.array(capabilitySchema).default([]),
  critical: taskInputSchema.shape.is_critical,
  max_retries: bounded(taskInputSchema.shape.max_retries, L.dbCount),
  timeout_sec: bounded(taskInputSchema.shape.timeout_sec, L.timeoutSec),
  expect_exit: z.preprocess((v) => (typeof v === 'number' ? [v] : v), taskInputSchema.shape.expected_exit),
  env: envSchema,
  sandbox: sandboxSchema.optional(),
  expect: expectSchema.optional(),
  budget: budgetSchema.optional(),
});

/** One workstream (SSOT §1.3). */
const workstreamSchema = z.strictObject({
  id: idSchema,
  critical: z.boolean().default(false),
  depends_on: z.array(idSchema).default([]),
  skip: z.boolean().default(false),
  allowed_paths: z.array(globSchema).optional(),
  // Issue 15: how a merge conflict with the target branch is resolved, and how many rounds it may take.
  on_conflict: z.enum(ON_CONFLICT).default('rebase'),
  max_conflict_rounds: bounded(z.number().int().nonnegative(), L.conflictRounds).default(DEFAULT_MAX_CONFLICT_ROUNDS),
  gates: z.array(gateSchema).default([]),
  tasks: z.array(taskSchema).min(1, 'a workstream needs at least one task'),
  expect: expectSchema.optional(),
  budget: budgetSchema.optional(),
});

/** zod schema of a whole plan file exactly as docs/design/plan.md shows it, with every default applied; unknown keys are errors. */
export const planFileSchema = z.strictObject({
  run: runSchema,
  patch_rules: patchRulesSchema.prefault({}),
  workers: workersSchema.prefault({}),
  circuit_breakers: circuitBreakersSchema.prefault({}),
  retry: retrySchema.prefault({}),
  sandbox: sandboxSchema.default('auto'),
  tools: z.record(idSchema, toolProfileSchema).default({}),
  workstreams: z.array(workstreamSchema).min(1, 'a plan needs at least one workstream'),
});

/** A plan file after zod: structurally valid, defaults applied, references not yet checked. */
export type PlanFile = z.output<typeof planFileSchema>;
/** A plan file as written (what `planFileSchema` accepts). */
export type PlanFileInput = z.input<typeof planFileSchema>;
/** One workstream of a `PlanFile`. */
export type PlanFileWorkstream = PlanFile['workstreams'][number];
/** One task of a `PlanFile`. */
export type PlanFileTask = PlanFileWorkstream['tasks'][number];
/** One gate of a `PlanFile`. */
export type PlanFileGate = PlanFileWorkstream['gates'][number];
/** A `sandbox:` value as written (a mode or an object). */
export type SandboxSetting = z.output<typeof sandboxSchema>;
/** One tool profile of a `PlanFile` (`tools.<name>`). */
export type PlanFileToolProfile = PlanFile['tools'][string];
/** Breaker fields as written in a `PlanFile` (each optional). */
export type BreakerOverride = z.output<typeof breakerOverrideSchema>;
