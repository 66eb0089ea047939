import { abandonManualGates } from './abandon-manual-gates.js';
import { diffSha256 } from '../actors/index.js';
import { applyCheck, applyPatch, checkPatch, commitAll, diffWorktree, parseDiffPaths, PatchApplyError, resultingTreeLinkProblems, revParse, runGit, WorktreeTamperedError, type GitDirs } from '../git/index.js';
import { clipReason, MAX_APPLY_ATTEMPTS } from '../machines/index.js';
import { forbiddenMatcher, pathMatcher, type PhasePolicy, type PlanTask } from '../plan/index.js';
import { readPhasePolicy } from './phase-policy.js';
import { insertPatch, storedPatchDiff } from '../persistence/index.js';
import { pickUetWorker, releaseSlot } from './pick-worker.js';
import { isTerminal } from '../machines/index.js';
import type { RunContext } from './run-context.js';
import { runGates, type GateOutcome } from './run-gates.js';
import { badInputReason } from './ledger-step-error.js';
import { resetWorktree, worktreePlace } from './worktree.js';
import type { HandedBack } from './remote-repository.js';

/** Format, scope and constraint checks of a patch (SSOT §2.2): `checkPatch` with the plan's rules, plus `git apply --check`. */
async function checks(ctx: RunContext, task: PlanTask, diff: string, wt: GitDirs): Promise<{ format: boolean; scope: boolean; constraints: boolean; reason: string }> {
  const ws = ctx.plan.workstreams.find((w) => w.id === task.workstream)!;
  const global = pathMatcher(ctx.plan.patch_rules.allowed_paths);
  const local = pathMatcher(ws.allowed_paths);
  const res = checkPatch(diff, { allowedPaths: (p) => global(p) && local(p), forbidden: forbiddenMatcher(ctx.plan.patch_rules.forbidden), maxBytes: ctx.plan.patch_rules.max_bytes });
  const problems = res.violations.map((v) => `${v.check}: ${v.path !== undefined ? `${v.path}: ` : ''}${v.message}`);
  let format = res.format;
  let constraints = res.constraints;
  if (format) {
    const ac = await applyCheck(wt, diff);
    if (!ac.ok) {
      format = false;
      problems.push(`format: does not apply: ${ac.reason ?? 'git apply --check failed'}`);
    } else if (constraints) {
      // Symlinks judged on the tree the patch would make, every other link of it followed (git/resulting-tree.ts).
      const links = await resultingTreeLinkProblems(wt, diff, forbiddenMatcher(ctx.plan.patch_rules.forbidden));
      if (links.length > 0) {
        constraints = false;
        problems.push(...links.map((l) => `constraints: ${l}`));
      }
    }
  }
  return { format, scope: res.scope, constraints, reason: clipReason(problems.join('; ')) || 'patch checks failed' };
}

/** The phase policy that decides a validated patch (SSOT §2.2), read from the phase row (written by `startRun`). */
async function phasePolicy(ctx: RunContext): Promise<PhasePolicy> {
  return readPhasePolicy(ctx.db, ctx.plan.run.phase);
}

/** Why the phase policy refuses the patch, naming the rule (`phase policy max_files: …`), or null when it allows it. */
function policyRefusal(policy: PhasePolicy, task: PlanTask, diff: string): string | null {
  const files = safePaths(diff);
  if (policy.max_files !== undefined && files.length > policy.max_files) {
    return `phase policy max_files: the patch touches ${files.length} files, more than ${policy.max_files}`;
  }
  const bytes = Buffer.byteLength(diff, 'utf8');
  if (policy.max_bytes !== undefined && bytes > policy.max_bytes) return `phase policy max_bytes: the patch is ${bytes} bytes, more than ${policy.max_bytes}`;
  if (policy.allowed_paths !== undefined) {
    const allowed = pathMatcher(policy.allowed_paths);
    const outside = files.filter((f) => !allowed(f));
    if (outside.length > 0) return `phase policy allowed_paths: ${outside.join(', ')} not in ${policy.allowed_paths.join(', ')}`;
  }
  if (policy.require_gates === true && task.gates.length === 0) return `phase policy require_gates: task ${task.id} has no validation gates`;
  return null;
}

/** Ledger `queued` → `applied`, retrying a failed `git apply` (EXT-3) and quarantining after 3 attempts; true when applied. */
async function applyWithRetries(ctx: RunContext, ledgerId: string, diff: string, wt: GitDirs): Promise<boolean> {
  for (;;) {
    try {
      await applyPatch(wt, diff);
      await ctx.actors.send('patch_ledger', ledgerId, { type: 'apply_succeeded' });
      return true;
    } catch (err) {
      if (!(err instanceof PatchApplyError)) throw err;
      await ctx.actors.send('patch_ledger', ledgerId, { type: 'apply_failed', error: clipReason(err.message) });
      const attempts = (await ctx.actors.load('patch_ledger', ledgerId)).context.apply_attempts;
      if (attempts < MAX_APPLY_ATTEMPTS) {
        await ctx.actors.send('patch_ledger', ledgerId, { type: 'retry_apply' });
        continue;
      }
      await ctx.actors.send('patch_ledger', ledgerId, { type: 'auto_quarantine', reason: clipReason(`git apply failed ${MAX_APPLY_ATTEMPTS} times: ${err.message}`) });
      return false;
    }
  }
}

/** The last commit of a worktree when it is this task's (a crash between `git commit` and `commit_succeeded`), else null. */
export async function ownCommit(ctx: RunContext, task: PlanTask, wt: GitDirs): Promise<string | null> {
  const subject = (await runGit(wt, ['log', '-1', '--format=%s'])).stdout.trim();
  return subject === commitMessage(ctx, task) ? revParse(wt, 'HEAD') : null;
}

/** The message (one line) of the commit a task's verified patch becomes on its integration branch: `<task>: <run> (gantry)`. */
export function commitMessage(ctx: Pick<RunContext, 'ids'>, task: Pick<PlanTask, 'id'>): string {
  return `${task.id}: ${ctx.ids.run} (gantry)`;
}

/**
 * The patch pipeline from the ledger entry's current state to its end (SSOT §2.2), so that a resumed run continues
 * where the crash left it: created → checks; validated → accepted by the phase policy (or policy_violation); queued / apply_failed → apply (EXT-3 retries);
 * applied → the task's gates (resumable) → tests_passed / tests_failed; verified → commit (or the commit already
 * made) → commit_succeeded. Without a ledger entry the gates alone decide. Returns the task's final state, or
 * `validating` while a manual gate waits for an approver (EXT-6): the caller releases its worker, waits
 * (engine/wait-for-approvals.ts) and continues with `resumeValidation`.
 */
export async function continueValidation(ctx: RunContext, task: PlanTask, wt: string, ledgerId: string | null, diff: string, attemptNo: number): Promise<string> {
  const id = ctx.ids.task(task.id);
  const state = async () => (ledgerId === null ? null : (await ctx.actors.load('patch_ledger', ledgerId)).state);
  let dirs: GitDirs | null = null;
  try {
    const place = await worktreePlace(ctx, task.workstream, wt);
    dirs = place.dirs;
    if (place.tampered !== null) throw new WorktreeTamperedError(wt, place.tampered);
    return await pipeline(ctx, task, wt, dirs, ledgerId, diff, attemptNo, state);
  } catch (err) {
    // Bad input (git or the file system refusing what the task made) fails this task and its patch, never the engine.
    const reason = badInputReason(err);
    const s = await state();
    if (s === 'created') await ctx.actors.send('patch_ledger', ledgerId!, { type: 'validation_failed', reason: clipReason(reason), checks: { format: false, scope: false, constraints: false } });
    const reset = dirs === null ? '' : await resetOrSay(dirs, 'HEAD');
    const now = (await ctx.actors.load('task', id)).state;
    if (isTerminal('task', now)) return now;
    return fail(ctx, id, `${s === 'created' ? 'patch quarantined' : 'ledger step failed'}: ${reason}${reset}`);
  }
}

async function pipeline(ctx: RunContext, task: PlanTask, wtPath: string, wt: GitDirs, ledgerId: string | null, diff: string, attemptNo: number, state: () => Promise<string | null>): Promise<string> {
  const id = ctx.ids.task(task.id);
  let gates: GateOutcome | null = null;
  for (let s = await state(); s !== null && s !== 'committed'; s = await state()) {
    const lid = ledgerId!;
    if (s === 'created') {
      const c = await checks(ctx, task, diff, wt);
      if (!(c.format && c.scope && c.constraints)) {
        await ctx.actors.send('patch_ledger', lid, { type: 'validation_failed', reason: c.reason, checks: { format: c.format, scope: c.scope, constraints: c.constraints } });
        return fail(ctx, id, `patch quarantined: ${c.reason}`);
      }
      await ctx.actors.send('patch_ledger', lid, { type: 'validation_passed', format: true, scope: true, constraints: true });
    } else if (s === 'validated') {
      // SSOT §2.2: `accepted` by phase policy, else `policy_violation` (→ quarantined) with the rule as the reason.
      const refusal = policyRefusal(await phasePolicy(ctx), task, diff);
      if (refusal !== null) {
        await ctx.actors.send('patch_ledger', lid, { type: 'policy_violation', reason: clipReason(refusal) });
        return fail(ctx, id, `patch quarantined: ${refusal}`);
      }
      await ctx.actors.send('patch_ledger', lid, { type: 'accepted', policy_allowed: true });
    }
    else if (s === 'queued') {
      if (!(await applyWithRetries(ctx, lid, diff, wt))) return fail(ctx, id, 'patch quarantined: git apply failed');
    } else if (s === 'apply_failed') {
      // Left here by a crash between `apply_failed` and its follow-up: retry while attempts remain (EXT-3), else quarantine.
      const attempts = (await ctx.actors.load('patch_ledger', lid)).context.apply_attempts;
      if (attempts < MAX_APPLY_ATTEMPTS) await ctx.actors.send('patch_ledger', lid, { type: 'retry_apply' });
      else {
        await ctx.actors.send('patch_ledger', lid, { type: 'auto_quarantine', reason: `git apply failed ${MAX_APPLY_ATTEMPTS} times` });
        return fail(ctx, id, 'patch quarantined: git apply failed');
      }
    } else if (s === 'applied') {
      gates = await runGates(ctx, task, attemptNo, wtPath);
      if (gates.failed.length === 0 && gates.waiting.length > 0) return 'validating'; // EXT-6: an approver decides
      if (gates.failed.length > 0) {
        await ctx.actors.send('patch_ledger', lid, { type: 'tests_failed', reason: `gates failed: ${gates.failed.join(', ')}`, failed_gates: gates.failed });
        await abandonManualGates(ctx, task, attemptNo, `abandoned: the task failed at ${gates.failed.join(', ')}`);
        await resetWorktree(wt);
        return fail(ctx, id, `gates failed: ${gates.failed.join(', ')}`);
      }
      await ctx.actors.send('patch_ledger', lid, { type: 'tests_passed', gates: gates.byPlanId });
    } else if (s === 'verified') {
      const sha = (await ownCommit(ctx, task, wt)) ?? (await commitPatch(ctx, task, wtPath, diff));
      await ctx.actors.send('patch_ledger', lid, { type: 'commit_succeeded', commit_sha: sha });
    } else return fail(ctx, id, `patch ${s}`);
  }
  gates ??= await runGates(ctx, task, attemptNo, wtPath);
  if (gates.failed.length > 0) {
    await abandonManualGates(ctx, task, attemptNo, `abandoned: the task failed at ${gates.failed.join(', ')}`);
    return fail(ctx, id, `gates failed: ${gates.failed.join(', ')}`);
  }
  if (gates.waiting.length > 0) return 'validating'; // EXT-6: a manual gate waits for an approver
  await ctx.actors.send('task', id, { type: 'validation_passed', gates: gates.byPlanId, ledger_state: await state() });
  return 'completed';
}

/**
 * Commits exactly the checked patch: the worktree is addressed again (what the gates changed in its git metadata is
 * put back and fails the task), reset to HEAD, the patch applied to the index and the files, and that committed — so
 * nothing the gates or a leftover process wrote meanwhile reaches the branch.
 */
async function commitPatch(ctx: RunContext, task: PlanTask, wtPath: string, diff: string): Promise<string> {
  const place = await worktreePlace(ctx, task.workstream, wtPath);
  if (place.tampered !== null) throw new WorktreeTamperedError(wtPath, place.tampered);
  await resetWorktree(place.dirs);
  await applyPatch(place.dirs, diff);
  return commitAll(place.dirs, commitMessage(ctx, task));
}

/**
 * Validates a task whose command succeeded (SSOT §3.1, §2.2), on a UET worker. The worktree's change since `base`
 * becomes the patch (stored with its ledger entry before the worktree is reset to `base`, so a crash loses nothing),
 * then {@link continueValidation} runs the pipeline. A task that changed nothing is decided by its gates alone. A task
 * that changed git metadata (`tampered`: what the attempt's guard found and put back; or its worktree's `.git` file
 * or HEAD) fails with that reason and its change is dropped; so does one whose change git cannot turn into a patch
 * (a path git refuses) or that is over `patch_rules.max_bytes` (never stored).
 */
export async function validateTask(ctx: RunContext, task: PlanTask, wt: string, base: string, tampered: string | null = null, handedBack: HandedBack | null = null): Promise<string> {
  const id = ctx.ids.task(task.id);
  const uet = await pickUetWorker(ctx);
  await ctx.actors.send('uet_worker', uet, { type: 'task_assigned', task_id: id });
  try {
    const attemptNo = (await ctx.actors.load('task', id)).context.retry_count + 1;
    let ledgerId: string | null = null;
    let diff = '';
    let dirs: GitDirs | null = null;
    try {
      const place = await worktreePlace(ctx, task.workstream, wt);
      dirs = place.dirs;
      const why = [tampered, place.tampered].filter((t) => t !== null).join('; ');
      if (why !== '') return await fail(ctx, id, `${why}${await resetOrSay(dirs, base)}`);
      diff = handedBack !== null ? handedBack.diff : await diffWorktree(dirs, base); // issue 16: a remote worker's diff, from the database
      const bytes = Buffer.byteLength(diff, 'utf8');
      if (bytes > ctx.plan.patch_rules.max_bytes) {
        // Not stored: a patch over the limit never reaches the database (it could be any size).
        return await fail(ctx, id, `patch refused: it is ${bytes} bytes, over patch_rules.max_bytes (${ctx.plan.patch_rules.max_bytes})${await resetOrSay(dirs, base)}`);
      }
      if (handedBack?.refusal && diff === '') return await fail(ctx, id, handedBack.refusal);
      if (diff !== '') {
        ledgerId = ctx.ids.ledger(task.id, attemptNo);
        await createLedger(ctx, task, ledgerId, diff);
        if (handedBack?.refusal) {
          // Issue 16: the ledger refuses a patch made on another base than the one the engine named.
          await ctx.actors.send('patch_ledger', ledgerId, { type: 'validation_failed', reason: clipReason(handedBack.refusal), checks: { format: false, scope: false, constraints: false } });
          return await fail(ctx, id, `patch quarantined: ${handedBack.refusal}${await resetOrSay(dirs, base)}`);
        }
      }
      await resetWorktree(dirs, base);
    } catch (err) {
      const reason = badInputReason(err); // a database error still stops the run
      const reset = dirs === null ? '' : await resetOrSay(dirs, base);
      if (ledgerId !== null) return continueValidation(ctx, task, wt, ledgerId, diff, attemptNo); // stored: the pipeline decides
      return await fail(ctx, id, `cannot make the patch: ${reason}${reset}`);
    }
    return await continueValidation(ctx, task, wt, ledgerId, diff, attemptNo);
  } finally {
    await ctx.actors.send('uet_worker', uet, { type: 'task_completed', task_id: id });
    releaseSlot(ctx, uet);
  }
}

/** Stores the patch row and creates its ledger entry (either may already exist after a crash). */
export async function createLedger(ctx: RunContext, task: PlanTask, ledgerId: string, diff: string): Promise<void> {
  const ws = task.workstream;
  const id = ctx.ids.task(task.id);
  const stored = await storedPatchDiff(ctx.db, ledgerId);
  if (stored === null) await insertPatch(ctx.db, { id: ledgerId, taskId: id, workstreamId: ctx.ids.workstream(ws), runId: ctx.ids.run, diff, files: safePaths(diff) });
  // The diff's hash goes into the ledger's creation audit row: `audit verify` recomputes it (issue 11).
  const metadata = { diff_sha256: diffSha256(stored ?? diff) };
  await ctx.actors.create('patch_ledger', ledgerId, { patch_id: ledgerId, required_gates: [...task.gates] }, { links: { patch_id: ledgerId, task_id: id, workstream_id: ctx.ids.workstream(ws), run_id: ctx.ids.run, phase_id: ctx.plan.run.phase }, metadata });
  ctx.ledgers.set(ws, [...(ctx.ledgers.get(ws) ?? []), ledgerId]);
}

/** Resets the worktree to `base`; a reset git refuses is said (appended to a failure reason), never the engine's end. */
async function resetOrSay(dirs: GitDirs, base: string): Promise<string> {
  try {
    await resetWorktree(dirs, base);
    return '';
  } catch (err) {
    return `; resetting the worktree failed too: ${badInputReason(err)}`;
  }
}

async function fail(ctx: RunContext, id: string, error: string): Promise<string> {
  await ctx.actors.send('task', id, { type: 'validation_failed', error: clipReason(error) });
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
