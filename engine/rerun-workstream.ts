import { join } from 'node:path';
import { branchCommits, isAncestor, moveBranch, replayCommits, revParse, type BranchCommit } from '../git/index.js';
import { EntityNotFoundError } from '../persistence/index.js';
import type { PlanTask } from '../plan/index.js';
import type { RunContext } from './run-context.js';
import { taskEntityInput } from './start-run.js';
import { commitMessage } from './validate-task.js';
import { dropWorktree } from './worktree.js';

/** The entity id of plan task `task`'s re-run in conflict round `round` (EXT-8): `R.task.cN`. */
export function rerunTaskId(ctx: RunContext, task: string, round: number): string {
  return `${ctx.ids.run}.${task}.c${round}`;
}

/** The workstream's own commits on its integration branch (not on the target branch), each with its plan task. */
async function ownCommits(ctx: RunContext, ws: string): Promise<{ target: string; tip: string; commits: (BranchCommit & { task: string | null })[] }> {
  const repo = ctx.plan.run.repository;
  const target = await revParse(repo, `refs/heads/${ctx.plan.run.target_branch}`);
  const tip = await revParse(repo, `refs/heads/${ctx.ids.branch(ws)}`);
  const tasks = ctx.plan.workstreams.find((w) => w.id === ws)!.tasks;
  const bySubject = new Map(tasks.map((t) => [commitMessage(ctx, t), t.id]));
  const commits = (await branchCommits(repo, target, tip)).map((c) => ({ ...c, task: bySubject.get(c.subject) ?? null }));
  return { target, tip, commits };
}

function scratchDir(ctx: RunContext, ws: string): string {
  return join(ctx.stateDir, 'worktrees', ctx.ids.run, `${ws}.replay`);
}

/**
 * Which tasks a re-run round of workstream `ws` runs again (EXT-8): those whose commit on the integration branch
 * touches one of the conflicting `paths`, plus any task whose commit no longer replays onto the current target branch
 * without them (found by replaying the others in a scratch worktree, nothing moved). Plan ids, in plan order.
 */
export async function planRerun(ctx: RunContext, ws: string, paths: readonly string[]): Promise<string[]> {
  const { target, commits } = await ownCommits(ctx, ws);
  const conflicting = new Set(paths);
  const rerun = new Set(commits.filter((c) => c.task !== null && c.paths.some((p) => conflicting.has(p))).map((c) => c.task!));
  for (;;) {
    const kept = commits.filter((c) => c.task === null || !rerun.has(c.task));
    const r = await replayCommits(ctx.plan.run.repository, scratchDir(ctx, ws), target, kept.map((c) => c.sha));
    if (r.ok) break;
    const task = commits.find((c) => c.sha === r.commit)?.task ?? null;
    if (task === null || rerun.has(task)) break; // not a task's commit: the rebuild in applyRerun reports it
    rerun.add(task);
  }
  return ctx.plan.workstreams.find((w) => w.id === ws)!.tasks.map((t) => t.id).filter((t) => rerun.has(t));
}

/**
 * Carries out re-run round `round` of workstream `ws` (EXT-8) once its machine took `rerun_started`: the integration
 * branch is rebuilt on the current target branch with the commits of the tasks that are not run again (replayed),
 * its worktree dropped (a fresh one is made on it for the next task), and each re-run task gets a new task entity
 * `R.task.cN` (`retry_of` the old one, which keeps its attempts, patches and ledger entries) from the plan, pending:
 * it goes through the Task machine and the patch ledger like any task. Idempotent: when the round's task entities
 * exist it does nothing (a crash half way redoes only what is missing). Returns null, or why the branch cannot be
 * rebuilt (a kept commit no longer replays).
 */
export async function applyRerun(ctx: RunContext, ws: string, round: number, tasks: readonly string[]): Promise<string | null> {
  const plan = ctx.plan.workstreams.find((w) => w.id === ws)!;
  const rerun = tasks.map((id) => plan.tasks.find((t) => t.id === id)!);
  const missing: PlanTask[] = [];
  for (const t of rerun) if (!(await exists(ctx, rerunTaskId(ctx, t.id, round)))) missing.push(t);
  if (missing.length === 0 && rerun.length > 0) return null;
  const repo = ctx.plan.run.repository;
  const { target, tip, commits } = await ownCommits(ctx, ws);
  // Rebuilt already when the branch sits on the target branch without a commit of a re-run task (a crash after the move).
  const rebuilt = (await isAncestor(repo, target, tip)) && commits.every((c) => c.task === null || !tasks.includes(c.task));
  if (missing.length === rerun.length && !rebuilt) {
    // Nothing of the round made yet: rebuild the branch from the kept commits.
    const kept = commits.filter((c) => c.task === null || !tasks.includes(c.task));
    const r = await replayCommits(repo, scratchDir(ctx, ws), target, kept.map((c) => c.sha));
    if (!r.ok) return `the commits kept for the re-run no longer replay onto ${ctx.plan.run.target_branch}: conflict in ${r.paths.join(', ')}`;
    await dropWorktree(ctx, ws);
    if (r.head !== tip && !(await moveBranch(repo, ctx.ids.branch(ws), tip, r.head))) return `the integration branch ${ctx.ids.branch(ws)} moved meanwhile`;
  }
  for (const t of missing) {
    const old = ctx.ids.task(t.id);
    const id = rerunTaskId(ctx, t.id, round);
    const links = { run_id: ctx.ids.run, workstream_id: ctx.ids.workstream(ws), phase_id: ctx.plan.run.phase, retry_of: old };
    await ctx.actors.create('task', id, taskEntityInput(ctx, t), { links, reason: `conflict round ${round}: its patch touched a conflicting path, it runs again on the current ${ctx.plan.run.target_branch}` });
    ctx.retries.set(old, id);
  }
  return null;
}

async function exists(ctx: RunContext, id: string): Promise<boolean> {
  try {
    await ctx.actors.load('task', id);
    return true;
  } catch (err) {
    if (err instanceof EntityNotFoundError) return false;
    throw err;
  }
}
