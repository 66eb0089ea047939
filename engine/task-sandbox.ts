import { createHash, randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { DEFAULT_BWRAP, probeSandbox, SandboxUnavailableError, type SandboxSpec } from '../exec/index.js';
import { DEFAULT_SANDBOX, type Plan, type PlanSandbox } from '../plan/index.js';
import type { EngineOptions, RunContext } from './run-context.js';

/** How commands of a run are contained on this machine, and why: recorded in the run's audit (`start` metadata). */
export interface SandboxDecision {
  readonly sandbox: 'bwrap' | 'none';
  readonly reason: string;
  /** Path of the working bwrap program when `sandbox` is `bwrap`. */
  readonly bwrap: string | null;
}

/** The run-wide sandbox settings of a plan (the default, `auto`, when a recorded plan predates them: an old run resumed). */
export function runSandbox(plan: Plan): PlanSandbox {
  return plan.sandbox ?? DEFAULT_SANDBOX;
}

/**
 * Decides how a command with `setting` is contained here: `none` when the plan opts out; `bwrap` when bubblewrap works
 * (probed once per process); otherwise `none` under `auto` (with the probe's reason) or `SandboxUnavailableError`
 * under `required` (its message says how to install bubblewrap).
 */
export async function decideSandbox(options: Pick<EngineOptions, 'bwrap' | 'sandboxPath'>, setting: PlanSandbox): Promise<SandboxDecision> {
  if (setting.mode === 'none') return { sandbox: 'none', reason: 'sandbox: none in the plan', bwrap: null };
  const program = options.bwrap ?? DEFAULT_BWRAP;
  const probe = await probeSandbox(program, options.sandboxPath ?? process.env['PATH'] ?? '');
  if (probe.ok) return { sandbox: 'bwrap', reason: `bubblewrap ${probe.bwrap}`, bwrap: probe.bwrap };
  if (setting.mode === 'required') throw new SandboxUnavailableError(program, probe.reason);
  return { sandbox: 'none', reason: `sandbox: auto and ${probe.reason}: tasks and gates run unsandboxed (install bubblewrap: apt-get install bubblewrap)`, bwrap: null };
}

/**
 * The sandbox of one task or gate command in working copy `wt`, or undefined when it runs unsandboxed: `wt` the only
 * writable place (plus a private /tmp and the plan's `read_write` paths); the repository, the state directory (every
 * other worktree, the archive, a PGlite database) and `sandboxHide` invisible; `wt/.git` and the plan's `read_only`
 * paths read-only; network as the plan says.
 */
export async function commandSandbox(ctx: Pick<RunContext, 'plan' | 'options' | 'stateDir'>, setting: PlanSandbox, wt: string): Promise<SandboxSpec | undefined> {
  const decision = await decideSandbox(ctx.options, setting);
  if (decision.bwrap === null) return undefined;
  return {
    bwrap: decision.bwrap,
    workdir: wt,
    hidden: [ctx.plan.run.repository, ctx.stateDir, ...(ctx.options.sandboxHide ?? [])],
    readOnly: setting.read_only,
    protect: [join(wt, '.git')],
    readWrite: setting.read_write,
    network: setting.network,
  };
}

/** What scopes a run's attempt tags: its id and the state directory whose worktrees its processes work in. */
export type TagScope = Pick<RunContext, 'ids' | 'stateDir'>;

/**
 * The tag prefix of every process of one run on this machine: `<home>/<run>/`, where `<home>` is a short hash of the
 * resolved state directory. Run ids are unique per database only, so two checkouts running the same plan (the same
 * run id) on one host never reap each other's processes; `/` cannot occur in ids, so no other run shares it.
 */
export function runTagPrefix(scope: TagScope): string {
  const home = createHash('sha256').update(resolve(scope.stateDir)).digest('hex').slice(0, 12);
  return `${home}/${scope.ids.run}/`;
}

/**
 * The tag prefix of every process run in one workstream's worktree: its tasks run one at a time there, so before an
 * attempt any process with this prefix is a leftover (of a lost attempt of any of its tasks).
 */
export function workstreamTagPrefix(scope: TagScope, ws: string): string {
  return `${runTagPrefix(scope)}${ws}/`;
}

/** The tag prefix of every attempt (and gate) of one task of a run. */
export function taskTagPrefix(scope: TagScope, ws: string, task: string): string {
  return `${workstreamTagPrefix(scope, ws)}${task}#`;
}

/** A unique tag for one attempt's command (`H/R/ws/task#N/nonce`) or one of its gates (`H/R/ws/task#N/gate:G/nonce`). */
export function attemptTag(scope: TagScope, ws: string, task: string, attemptNo: number, gate?: string): string {
  return `${taskTagPrefix(scope, ws, task)}${attemptNo}/${gate !== undefined ? `gate:${gate}/` : ''}${randomBytes(6).toString('hex')}`;
}

/**
 * Checks the run's sandbox before it starts (or resumes): refuses with `SandboxUnavailableError` when the plan or a
 * task requires bubblewrap and it does not work here; warns (`onWarning`, default standard error, and `onNote`) when
 * `auto` falls back to running unsandboxed. Returns the decision for the run's audit metadata.
 */
export async function checkRunSandbox(options: EngineOptions, plan: Plan): Promise<SandboxDecision> {
  const settings = [runSandbox(plan), ...plan.tasks.map((t) => t.sandbox ?? runSandbox(plan))];
  for (const s of settings) if (s.mode === 'required') await decideSandbox(options, s);
  const used = settings.find((s) => s.mode !== 'none');
  const decision = await decideSandbox(options, used ?? runSandbox(plan));
  if (used && decision.sandbox === 'none') {
    const line = `warning: run ${plan.run.id}: ${decision.reason}`;
    (options.onWarning ?? ((l: string) => void process.stderr.write(`${l}\n`)))(line);
    options.onNote?.(line);
  }
  return decision;
}
