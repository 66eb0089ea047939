import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ulid } from 'ulid';
import { type BreakerConfig, breakerConfigSchema, GATE_PRIORITY } from '../machines/index.js';
import { remoteScheme } from '../git/remote-transport.js';
import type { PlanIssue } from './errors.js';
import type { Plan, PlanFormat, PlanGate, PlanSandbox, PlanTask, PlanWorkstream, WorkerPool } from './plan.js';
import { toolOf } from './plan-file-index.js';
import { DEFAULT_SANDBOX, type BreakerOverride, type PlanFile, type SandboxSetting } from './plan-file-schema.js';

/** What normalization needs besides the validated file. */
export interface NormalizeContext {
  /** Absolute path of the plan file (or the name given to `parsePlan`). */
  readonly file: string;
  readonly format: PlanFormat;
  /** Folder the repository path is relative to: the plan file's folder. */
  readonly baseDir: string;
  /** Run id when the file has none (default: a new ULID). */
  readonly generateId?: () => string;
  readonly warnings: readonly PlanIssue[];
}

/** Fields that were written (zod keeps absent optional keys out, but be explicit about `undefined`). */
function written(o: BreakerOverride): Partial<BreakerConfig> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A sandbox path made absolute: `~` and `~/…` from the home folder, a relative one from the plan file's folder. */
/** A `run.remote` as the engine and workers use it: a local path made absolute (against the plan file's folder), a URL as written. */
function remoteUrl(baseDir: string, url: string): string {
  return !url.includes('://') && remoteScheme(url) === 'file' ? resolve(baseDir, url) : url;
}

function sandboxPath(p: string, baseDir: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return resolve(baseDir, p);
}

/** `setting` over `base`: a mode replaces the mode; an object's fields replace, its path lists add to the base's. */
export function mergeSandbox(base: PlanSandbox, setting: SandboxSetting | undefined, baseDir: string): PlanSandbox {
  if (setting === undefined) return base;
  if (typeof setting === 'string') return { ...base, mode: setting };
  return {
    mode: setting.mode ?? base.mode,
    network: setting.network ?? base.network,
    read_write: [...new Set([...base.read_write, ...(setting.read_write ?? []).map((p) => sandboxPath(p, baseDir))])],
    read_only: [...new Set([...base.read_only, ...(setting.read_only ?? []).map((p) => sandboxPath(p, baseDir))])],
  };
}

/**
 * The `Plan` of a validated plan file: repository made absolute, run id generated when absent, breaker settings
 * merged (SSOT defaults ← `circuit_breakers.default` ← `circuit_breakers.tools[tool]`), every task given its
 * workstream, tool and breaker, every gate its workstream and priority, every pool its worker ids, and each
 * workstream's scope resolved (its `allowed_paths`, else the plan's).
 */
export function normalizePlan(file: PlanFile, ctx: NormalizeContext): Plan {
  const defaults: BreakerConfig = { ...breakerConfigSchema.parse({}), ...written(file.circuit_breakers.default) };
  const breakerOf = (tool: string): BreakerConfig => ({ ...defaults, ...written(file.circuit_breakers.tools[tool] ?? {}) });
  const sandbox = mergeSandbox(DEFAULT_SANDBOX, file.sandbox, ctx.baseDir);

  const workstreams: PlanWorkstream[] = file.workstreams.map((ws) => {
    const gates: PlanGate[] = ws.gates.map((g) => ({
      id: g.id,
      workstream: ws.id,
      type: g.type,
      priority: GATE_PRIORITY[g.type],
      command: g.command ?? null,
      approvers: g.approvers ?? [],
      timeout_sec: g.timeout_sec,
      expect_exit: g.expect_exit,
      depends_on: g.depends_on,
    }));
    const tasks: PlanTask[] = ws.tasks.map((t) => {
      const tool = toolOf(t);
      // Issue 15: a task naming a tool profile gets the profile's env under its own, and its command when it has none.
      const profile = t.tool !== undefined ? file.tools[t.tool] : undefined;
      return {
        id: t.id,
        workstream: ws.id,
        tool,
        breaker: breakerOf(tool),
        command: t.command ?? profile!.command,
        ...(t.prompt !== undefined ? { prompt: t.prompt } : {}),
        ...(t.prompt_file !== undefined ? { prompt_file: t.prompt_file } : {}),
        depends_on: t.depends_on,
        gates: t.gates,
        requires: t.requires,
        critical: t.critical,
        max_retries: t.max_retries,
        timeout_sec: t.timeout_sec,
        expect_exit: t.expect_exit,
        env: profile ? { ...profile.env, ...t.env } : t.env,
        sandbox: mergeSandbox(sandbox, t.sandbox, ctx.baseDir),
        ...(t.expect ? { expect: t.expect } : {}),
        ...(t.budget ? { budget: t.budget } : {}),
      };
    });
    return {
      id: ws.id,
      critical: ws.critical,
      depends_on: ws.depends_on,
      skip: ws.skip,
      allowed_paths: ws.allowed_paths ?? file.patch_rules.allowed_paths,
      on_conflict: ws.on_conflict,
      max_conflict_rounds: ws.max_conflict_rounds,
      gates,
      tasks,
      ...(ws.expect ? { expect: ws.expect } : {}),
      ...(ws.budget ? { budget: ws.budget } : {}),
    };
  });
  const tasks = workstreams.flatMap((ws) => ws.tasks);

  const toolIds = [...new Set([...tasks.map((t) => t.tool), ...Object.keys(file.circuit_breakers.tools)])].sort();
  const orchestration: WorkerPool[] = file.workers.orchestration.map((p) => ({
    ...p,
    worker_ids: Array.from({ length: p.count }, (_, i) => `${p.id}-${i + 1}`),
  }));

  return {
    file: ctx.file,
    format: ctx.format,
    run: {
      id: file.run.id ?? (ctx.generateId ?? ulid)(),
      id_generated: file.run.id === undefined,
      phase: file.run.phase,
      repository: file.run.repository === undefined ? '' : resolve(ctx.baseDir, file.run.repository),
      ...(file.run.remote !== undefined ? { remote: remoteUrl(ctx.baseDir, file.run.remote) } : {}),
      target_branch: file.run.target_branch,
      ...(file.run.phase_policy !== undefined ? { phase_policy: file.run.phase_policy } : {}),
      ...(file.run.budget !== undefined ? { budget: file.run.budget } : {}),
    },
    patch_rules: file.patch_rules,
    workers: { orchestration, uet: file.workers.uet, heartbeat_interval_sec: file.workers.heartbeat_interval_sec, recovery_timeout_sec: file.workers.recovery_timeout_sec },
    circuit_breakers: { default: defaults, tools: Object.fromEntries(toolIds.map((t) => [t, breakerOf(t)])) },
    retry: file.retry,
    sandbox,
    workstreams,
    tasks,
    warnings: ctx.warnings,
  };
}
