import type { BreakerConfig, GateType, OnConflict } from '../machines/index.js';
import type { PlanIssue } from './errors.js';
import type { PhasePolicy } from './phase-policy.js';

// The normalized plan `loadPlan` returns: every default applied, every reference checked, paths resolved. Field
// names are docs/design/plan.md's (a contract); fields the loader adds are marked "derived".

/** The two plan file formats. */
export type PlanFormat = 'yaml' | 'json';

/** A command: an argv array (run directly) or a string (run by `sh -c`). */
export type PlanCommand = string | readonly string[];

/** A `budget:` (issue 15): the most a task, workstream or run may spend, as its tools report it; absent limits are none. */
export interface PlanBudget {
  /** Dollars, summed over the scope's attempts. */
  readonly cost_usd?: number;
  /** Input plus output tokens, summed over the scope's attempts. */
  readonly tokens?: number;
}

/** `run:` of a normalized plan. */
export interface PlanRun {
  /** The run id: as written, or a generated ULID. */
  readonly id: string;
  /** Derived: true when `id` was generated because the file has none. */
  readonly id_generated: boolean;
  /** Phase id (a row in `phases`). */
  readonly phase: string;
  /**
   * Absolute path of the git repository (written relative to the plan file). Empty when the plan has `remote` and no
   * `repository`: the engine then works in its own clone in the state directory (engine/remote-repository.ts).
   */
  readonly repository: string;
  /** Issue 16: the git URL (or path) of the repository workers on other hosts fetch from; absent: none (a shared folder). */
  readonly remote?: string;
  /** Branch that completed workstreams are merged into (default `main`). */
  readonly target_branch: string;
  /** Optional phase policy (SSOT §2.2), written to the phase row before the run's first patch is decided; absent: the row's policy stands. */
  readonly phase_policy?: PhasePolicy;
  /** The run's budget (issue 15); absent: none. */
  readonly budget?: PlanBudget;
}

/** `patch_rules:` of a normalized plan (SSOT §2.2). */
export interface PatchRules {
  /** Globs a touched path must match (default `['**']`). */
  readonly allowed_paths: readonly string[];
  /** Globs no touched path may match (default `['.git/**']`). */
  readonly forbidden: readonly string[];
  /** Largest patch in bytes (default 1 000 000). */
  readonly max_bytes: number;
}

/** One orchestration worker pool (SSOT §1.5). */
export interface WorkerPool {
  readonly id: string;
  /** Number of workers (default 1). */
  readonly count: number;
  readonly capabilities: readonly string[];
  /** Tasks one worker runs at once (default 1). */
  readonly max_concurrent_tasks: number;
  /** Workstream ids this pool's workers are limited to; empty means any (default). */
  readonly affinity: readonly string[];
  /** Derived: the worker ids `<id>-1 … <id>-<count>`. */
  readonly worker_ids: readonly string[];
}

/** `workers:` of a normalized plan. */
export interface PlanWorkers {
  /** Orchestration pools (default one pool `agent` of one worker without capabilities). */
  readonly orchestration: readonly WorkerPool[];
  /** UET workers, which run the patch pipeline and gates (SSOT §2.1; default count 1). */
  readonly uet: { readonly count: number };
  /** Optional engine setting: seconds between worker heartbeats (default 60, SSOT §1.5). */
  readonly heartbeat_interval_sec: number;
  /** Optional engine setting: seconds an unresponsive worker may take to recover before it is shut down (default 300, SSOT §1.5). */
  readonly recovery_timeout_sec: number;
}

/** `circuit_breakers:` of a normalized plan: settings merged over the SSOT §2.4 defaults. */
export interface PlanCircuitBreakers {
  /** SSOT defaults overridden by `circuit_breakers.default`. */
  readonly default: BreakerConfig;
  /** Per tool id: every tool a task uses plus every tool listed under `circuit_breakers.tools`, fully merged. */
  readonly tools: Readonly<Record<string, BreakerConfig>>;
}

/** `retry:` (optional engine setting): exponential backoff between task attempts. */
export interface RetryPolicy {
  /** Delay before the first retry in ms (default 1000). */
  readonly backoff_base_ms: number;
  /** Largest delay in ms (default 300 000). */
  readonly backoff_cap_ms: number;
}

/** How the engine contains a task or gate command: `auto` (bubblewrap where it works), `required`, `none`. */
export type SandboxMode = 'auto' | 'required' | 'none';

/** The sandbox settings of a normalized plan (run-wide) or task (merged over the run-wide ones). */
export interface PlanSandbox {
  /** Default `auto`: bubblewrap where it works, else unsandboxed with a warning recorded in the run's audit. */
  readonly mode: SandboxMode;
  /** Network access inside the sandbox (default true). */
  readonly network: boolean;
  /** Extra writable paths, absolute (default none). */
  readonly read_write: readonly string[];
  /** Extra read-only paths, absolute (default none; everything not hidden is read-only anyway). */
  readonly read_only: readonly string[];
}

/** One test gate (SSOT §2.3). */
export interface PlanGate {
  readonly id: string;
  /** Derived: the workstream the gate belongs to. */
  readonly workstream: string;
  readonly type: GateType;
  /** Derived: blocking priority of the type (`GATE_PRIORITY`). */
  readonly priority: 'medium' | 'high' | 'critical';
  /** The gate's command; null for a `MANUAL` gate, which runs none. */
  readonly command: PlanCommand | null;
  /** Who may approve or reject a `MANUAL` gate (operator names); empty for the other types. */
  readonly approvers: readonly string[];
  /** Deadline in seconds (default 600). */
  readonly timeout_sec: number;
  /** Exit code that passes (default 0). */
  readonly expect_exit: number;
  /** Gate ids of the same workstream that must pass first. */
  readonly depends_on: readonly string[];
}

/** One task (SSOT §1.4). */
export interface PlanTask {
  readonly id: string;
  /** Derived: the workstream the task belongs to. */
  readonly workstream: string;
  /** Circuit breaker key: as written, or the command's program name. */
  readonly tool: string;
  /** Derived: the breaker settings of `tool`. */
  readonly breaker: BreakerConfig;
  /** What to run: as written, else the command of the tool profile `tools.<tool>` (issue 15). */
  readonly command: PlanCommand;
  /** The prompt given to the command on standard input and as `GANTRY_PROMPT_FILE` (issue 15); absent: none. */
  readonly prompt?: string;
  /** A file of the repository, read from the worktree at each attempt, given to the command as `prompt` is (issue 15). */
  readonly prompt_file?: string;
  /** Task ids, in this or another workstream. */
  readonly depends_on: readonly string[];
  /** Gate ids of the task's workstream that validate its patch. */
  readonly gates: readonly string[];
  /** Capabilities a worker must have. */
  readonly requires: readonly string[];
  /** Default false. */
  readonly critical: boolean;
  /** Default 3. */
  readonly max_retries: number;
  /** Default 1800. */
  readonly timeout_sec: number;
  /** Exit codes that count as success (default `[0]`). */
  readonly expect_exit: readonly number[];
  /** Extra environment variables (values as strings): the tool profile's, with the task's own over them. */
  readonly env: Readonly<Record<string, string>>;
  /** Derived: the run-wide sandbox with the task's own `sandbox:` over it (fields replace, path lists add up). */
  readonly sandbox: PlanSandbox;
  /** `failure` when the plan says it is meant to fail (shown by summaries, changes nothing else); absent: success. */
  readonly expect?: 'success' | 'failure';
  /** The task's budget over all its attempts (issue 15); absent: none. */
  readonly budget?: PlanBudget;
}

/** One workstream (SSOT §1.3). */
export interface PlanWorkstream {
  readonly id: string;
  /** Default false. */
  readonly critical: boolean;
  /** Workstream ids that must complete first. */
  readonly depends_on: readonly string[];
  /** Default false. */
  readonly skip: boolean;
  /**
   * The workstream's scope: its own `allowed_paths` when written, else `patch_rules.allowed_paths`. A touched path
   * is in scope when it matches both this list and `patch_rules.allowed_paths` (the workstream's list narrows).
   */
  readonly allowed_paths: readonly string[];
  /**
   * What a merge into the target branch that conflicts does (docs/plan-format.md): `fail` (the workstream fails, the
   * conflicting paths in the reason), `rebase` (replay its commits on the target branch, falling back to `rerun`),
   * `rerun` (run the tasks that touched the conflicting paths again on the current target branch). Default `rebase`.
   */
  readonly on_conflict: OnConflict;
  /** The most conflict rounds (each a rebase or a re-run) the workstream may take before it fails; default 2. */
  readonly max_conflict_rounds: number;
  readonly gates: readonly PlanGate[];
  readonly tasks: readonly PlanTask[];
  /** `failure` when the plan says it is meant to fail (shown by summaries, changes nothing else); absent: success. */
  readonly expect?: 'success' | 'failure';
  /** The workstream's budget over all its tasks' attempts (issue 15); absent: none. */
  readonly budget?: PlanBudget;
}

/** A validated, fully defaulted plan (docs/design/plan.md), as `loadPlan` and `parsePlan` return it. */
export interface Plan {
  /** Derived: absolute path of the plan file (or the name given to `parsePlan`). */
  readonly file: string;
  /** Derived: the format the file was read as. */
  readonly format: PlanFormat;
  readonly run: PlanRun;
  readonly patch_rules: PatchRules;
  readonly workers: PlanWorkers;
  readonly circuit_breakers: PlanCircuitBreakers;
  readonly retry: RetryPolicy;
  /** Run-wide sandbox of tasks and gates (default mode `auto`, network on, no extra paths). */
  readonly sandbox: PlanSandbox;
  readonly workstreams: readonly PlanWorkstream[];
  /** Derived: every task of every workstream, in file order. */
  readonly tasks: readonly PlanTask[];
  /** Derived: things that are legal but probably unintended (an unused gate, a breaker for a tool no task uses). */
  readonly warnings: readonly PlanIssue[];
}
