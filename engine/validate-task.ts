import { applyCheck, applyPatch, checkPatch, commitAll, diffWorktree, parseDiffPaths, PatchApplyError } from '../git/index.js';
import { MAX_APPLY_ATTEMPTS } from '../machines/index.js';
import { pathMatcher, type PlanTask } from '../plan/index.js';
import { insertPatch } from './insert-patch.js';
import type { RunContext } from './run-context.js';
import { runGates } from './run-gates.js';
import { resetWorktree } from './worktree.js';

/** Format, scope and constraint checks of a patch (SSOT §2.2): `checkPatch` with the plan's rules, plus `git apply --check`. */
async function checks(ctx: RunContext, task: PlanTask, diff: string, wt: string): Promise<{ format: boolean; scope: boolean; constraints: boolean; reason: string }> {
  const ws = ctx.plan.workstreams.find((w) => w.id === task.workstream)!;
  const global = pathMatcher(ctx.plan.patch_rules.allowed_paths);
  const local = pathMatcher(ws.allowed_paths);
  const res = checkPatch(diff, { allowedPaths: (p) => global(p) && local(p), forbidden: pathMatcher(ctx.plan.patch_rules.forbidden), maxBytes: ctx.plan.patch_rules.max_bytes });
  const problems = res.violations.map((v) => `${v.check}: ${v.path !== undefined ? `${v.path}: ` : ''}${v.message}`);
  let format = res.format;
  if (format) {
    const ac = await applyCheck(wt, diff);
    if (!ac.ok) {
      format = false;
      problems.push(`format: does not apply: ${ac.reason ?? 'git apply --check failed'}`);
    }
  }
  return { format, scope: res.scope, constraints: res.constraints, reason: problems.join('; ').slice(0, 3900) || 'patch checks failed' };
}

/** Ledger `queued` → `applied`, retrying a failed `git apply` (EXT-3) and quarantining after 3 attempts; true when applied. */
async function applyWithRetries(ctx: RunContext, ledgerId: string, diff: string, wt: string): Promise<boolean> {
  for (;;) {
    try {
      await applyPatch(wt, diff);
      await ctx.actors.send('patch_ledger', ledgerId, { type: 'apply_succeeded' });
      return true;
    } catch (err) {
      if (!(err instanceof PatchApplyError)) throw err;
      await ctx.actors.send('patch_ledger', ledgerId, { type: 'apply_failed', error: err.message.slice(0, 4000) });
      const attempts = (await ctx.actors.load('patch_ledger', ledgerId)).context['apply_attempts'];
      if (typeof attempts === 'number' && attempts < MAX_APPLY_ATTEMPTS) {
        await ctx.actors.send('patch_ledger', ledgerId, { type: 'retry_apply' });
        continue;
      }
      await ctx.actors.send('patch_ledger', ledgerId, { type: 'auto_quarantine', reason: `git apply failed ${MAX_APPLY_ATTEMPTS} times: ${err.message}`.slice(0, 4000) });
      return false;
    }
  }
}

/**
 * Validates a task whose command succeeded (SSOT §3.1, §2.2), on a UET worker. The worktree's change since `base`
 * becomes the patch; the worktree is reset to `base`; the ledger checks it (`validation_passed` / `validation_failed`
 * → quarantined), `accepted` (the phase policy allows every patch in milestone 1), applies it (`git apply --index`),
 * the task's gates run on that tree, then `tests_passed` + commit + `commit_succeeded`, or `tests_failed` and the
 * tree is reset. A task that changed nothing is decided by its gates alone. Returns the task's final state.
 */
export async function validateTask(ctx: RunContext, task: PlanTask, wt: string, base: string): Promise<string> {
  const id = ctx.ids.task(task.id);
  const uet = ctx.ids.uetWorker((ctx.cursors.uet++ % ctx.plan.workers.uet.count) + 1);
  await ctx.actors.send('uet_worker', uet, { type: 'task_assigned', task_id: id });
  try {
    const attemptNo = ((await ctx.actors.load('task', id)).context['retry_count'] as number) + 1;
    const diff = await diffWorktree(wt, base);
    await resetWorktree(wt, base);
    let ledgerId: string | null = null;
    if (diff !== '') {
      ledgerId = ctx.ids.ledger(task.id, attemptNo);
      const ws = task.workstream;
      await insertPatch(ctx.db, { id: ledgerId, taskId: id, workstreamId: ctx.ids.workstream(ws), runId: ctx.ids.run, diff, files: safePaths(diff) });
      await ctx.actors.create('patch_ledger', ledgerId, { patch_id: ledgerId }, { links: { patch_id: ledgerId, task_id: id, workstream_id: ctx.ids.workstream(ws), run_id: ctx.ids.run } });
      ctx.ledgers.set(ws, [...(ctx.ledgers.get(ws) ?? []), ledgerId]);
      const c = await checks(ctx, task, diff, wt);
      if (!(c.format && c.scope && c.constraints)) {
        await ctx.actors.send('patch_ledger', ledgerId, { type: 'validation_failed', reason: c.reason, checks: { format: c.format, scope: c.scope, constraints: c.constraints } });
        return fail(ctx, id, `patch quarantined: ${c.reason}`);
      }
      await ctx.actors.send('patch_ledger', ledgerId, { type: 'validation_passed', format: true, scope: true, constraints: true });
      await ctx.actors.send('patch_ledger', ledgerId, { type: 'accepted', policy_allowed: true });
      if (!(await applyWithRetries(ctx, ledgerId, diff, wt))) return fail(ctx, id, 'patch quarantined: git apply failed');
    }
    const gates = await runGates(ctx, task, attemptNo, wt);
    if (ledgerId !== null) {
      if (gates.failed.length === 0) {
        await ctx.actors.send('patch_ledger', ledgerId, { type: 'tests_passed', gates: gates.byEntityId });
        const sha = await commitAll(wt, `${task.id}: ${ctx.ids.run} (gantry)`);
        await ctx.actors.send('patch_ledger', ledgerId, { type: 'commit_succeeded', commit_sha: sha });
      } else {
        await ctx.actors.send('patch_ledger', ledgerId, { type: 'tests_failed', reason: `gates failed: ${gates.failed.join(', ')}`, failed_gates: gates.failed });
        await resetWorktree(wt, base);
      }
    }
    if (gates.failed.length > 0) return fail(ctx, id, `gates failed: ${gates.failed.join(', ')}`);
    const ledger_state = ledgerId === null ? null : (await ctx.actors.load('patch_ledger', ledgerId)).state;
    await ctx.actors.send('task', id, { type: 'validation_passed', gates: gates.byPlanId, ledger_state });
    return 'completed';
  } finally {
    await ctx.actors.send('uet_worker', uet, { type: 'task_completed', task_id: id });
  }
}

async function fail(ctx: RunContext, id: string, error: string): Promise<string> {
  await ctx.actors.send('task', id, { type: 'validation_failed', error: error.slice(0, 4000) });
  return 'failed';
}

/** The paths a diff touches, or none when it does not parse (the format check reports that). */
function safePaths(diff: string): string[] {
  try {
    return parseDiffPaths(diff);
  } catch {
    return [];
  }
}
