import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { newEventId, PersistedActors, TransitionLog } from '../actors/index.js';
import { runIds } from '../engine/index.js';
import { addWorktree, advanceTargetHead, BranchLockedError, branchExists, GitError, isClean, processAlive, removeWorktree, revertCommit, revParse, runGit, withBranchLock } from '../git/index.js';
import { planOrder, recordedPlan, type Plan } from '../plan/index.js';
import { EntityNotFoundError, getRunSource, loadEntity, type Database, type EntityRecord } from '../persistence/index.js';
import { compensationFailures, runRegressionGates, type CompensationAction, type CompensationRecord } from './compensation-plan.js';
import { OverrideRefusedError, RollbackFailedError, RollbackPlanMismatchError } from './errors.js';
import { assertRemoteAt, publishRevert, unpublishRevert, type RollbackRemote } from './rollback-remote.js';

/** Where a rollback reverts: the branch holding the commit and a worktree that has it checked out. */
export interface RollbackCheckout {
  readonly branch: string;
  readonly dir: string;
  /** True when no worktree had the branch checked out and one was added for the rollback (removed by `release`). */
  readonly temporary: boolean;
  /** Removes a temporary worktree (its branch stays, with whatever the rollback left on it); no-op otherwise. */
  release(): Promise<void>;
}

/** The worktree of `repo` that has `branch` checked out, or null. */
async function worktreeWith(repo: string, branch: string): Promise<string | null> {
  const out = await runGit(repo, ['worktree', 'list', '--porcelain']);
  for (const block of out.stdout.split('\n\n')) {
    const lines = block.split('\n');
    const path = lines.find((l) => l.startsWith('worktree '))?.slice('worktree '.length);
    if (path && lines.includes(`branch refs/heads/${branch}`)) return path;
  }
  return null;
}

/**
 * Finds where commit `sha` must be reverted (SSOT §5.3 emergency rollback): the first of `candidates` (the run's target
 * branch, then the workstream's integration branch) that contains it — a commit merged into the target branch is
 * reverted there — and a worktree with that branch checked out: the one that has it, else a temporary worktree under
 * `scratch`. Null when no candidate branch contains the commit.
 */
export async function rollbackCheckout(repo: string, sha: string, candidates: readonly string[], scratch: string): Promise<RollbackCheckout | null> {
  for (const branch of candidates) {
    if (!(await branchExists(repo, branch))) continue;
    const contains = await runGit(repo, ['merge-base', '--is-ancestor', '--end-of-options', sha, `refs/heads/${branch}`], { okExitCodes: [1] });
    if (contains.exitCode !== 0) continue;
    const existing = await worktreeWith(repo, branch);
    if (existing) return { branch, dir: existing, temporary: false, release: async () => undefined };
    const dir = await addWorktree(repo, join(scratch, `rollback-${Date.now().toString(36)}`), branch);
    return { branch, dir, temporary: true, release: () => removeWorktree(repo, dir) };
  }
  return null;
}

/** One emergency rollback request (SSOT §5.3); the operator is already authenticated. */
export interface RollbackRequest {
  readonly ledgerId: string;
  /** The plan of the run the patch belongs to: repository, target branch and the workstream's gates. */
  readonly plan: Plan;
  readonly operator: string;
  readonly reason: string;
  /** JSONL file of canonical events (the `notify` action appends to it too); null: none. */
  readonly transitionLog: string | null;
  /** Folder for a temporary worktree when no worktree has the branch checked out (e.g. the state directory). */
  readonly scratchDir: string;
  /** Told each `notify` message (e.g. printed); the action also appends it to `transitionLog`. */
  readonly onNotice?: (message: string) => void;
  readonly clock?: () => number;
  readonly killGraceMs?: number;
  /** How long to wait for a merge or another rollback holding the branch ({@link withBranchLock}); default 60,000 ms. */
  readonly lockWaitMs?: number;
}

/** A rollback that took the ledger's `rollback` edge. */
export interface RollbackResult {
  readonly ledgerId: string;
  readonly fromState: 'committed';
  readonly toState: 'rolled_back';
  readonly version: number;
  readonly compensation: CompensationRecord;
}

const refuse = (id: string, detail: string, options?: ErrorOptions) => new OverrideRefusedError('rollback-patch', 'patch_ledger', id, detail, options);

/** The committed ledger entry, its commit and its plan workstream; refusals and mismatches write nothing. */
async function target(db: Kysely<Database>, req: RollbackRequest): Promise<{ rec: EntityRecord; sha: string; runId: string; ws: string }> {
  const rec = await loadEntity(db, 'patch_ledger', req.ledgerId);
  if (!rec) throw new EntityNotFoundError('patch_ledger', req.ledgerId);
  // SSOT §5.3 / §8.2.3 exception 1: only a committed patch can be rolled back.
  if (rec.state !== 'committed') throw refuse(req.ledgerId, `state '${rec.state}' is not committed (only a committed patch can be rolled back)`);
  const sha = rec.columns['commit_sha'];
  const runId = rec.columns['run_id'];
  const wsEntity = rec.columns['workstream_id'];
  if (typeof sha !== 'string' || typeof runId !== 'string' || typeof wsEntity !== 'string') throw refuse(req.ledgerId, 'it records no commit sha, run or workstream');
  if (req.plan.run.id !== runId) throw new RollbackPlanMismatchError(req.ledgerId, req.plan.file, `is the plan of run ${req.plan.run.id}, and the entry belongs to run ${runId}`);
  const ws = wsEntity.startsWith(`${runId}.`) ? wsEntity.slice(runId.length + 1) : wsEntity;
  if (!req.plan.workstreams.some((w) => w.id === ws)) throw new RollbackPlanMismatchError(req.ledgerId, req.plan.file, `has no workstream '${ws}' (the entry belongs to workstream ${wsEntity} of run ${runId})`);
  const exists = await runGit(req.plan.run.repository, ['cat-file', '-e', `${sha}^{commit}`], { okExitCodes: [1, 128] });
  if (exists.exitCode !== 0) throw new RollbackPlanMismatchError(req.ledgerId, req.plan.file, `names repository ${req.plan.run.repository}, which has no commit ${sha}`);
  return { rec, sha, runId, ws };
}

/** Resets the checkout to its pre-rollback head and removes what the rollback left untracked (it was clean before). */
async function undo(dir: string, head: string): Promise<void> {
  await runGit(dir, ['reset', '--quiet', '--hard', head]);
  await runGit(dir, ['clean', '-fdq']);
}

/**
 * Undoes the revert; when that fails too, the undo's error is thrown with the original failure as its cause (neither
 * is lost) and names the head to reset to by hand.
 */
async function undoOrSay(dir: string, head: string, original: unknown): Promise<void> {
  try {
    await undo(dir, head);
  } catch (err) {
    throw new Error(`could not undo the revert in ${dir} (reset it to ${head} by hand): ${(err as Error).message}`, { cause: original ?? err });
  }
}

/** The `notify` action (optional): the notice is appended to the JSONL log as a critical event and told to `onNotice`. */
async function notify(req: RollbackRequest, rec: EntityRecord, message: string): Promise<CompensationAction> {
  try {
    const now = (req.clock ?? Date.now)();
    if (req.transitionLog) {
      const ctx = (k: string) => (typeof rec.columns[k] === 'string' ? (rec.columns[k] as string) : null);
      await new TransitionLog(req.transitionLog).append([{
        event_id: newEventId(now), timestamp: new Date(now).toISOString(), event_type: 'patch_rollback_notice', severity: 'critical',
        entity_type: 'patch_ledger', entity_id: rec.id, from_state: 'committed', to_state: 'committed', trigger: 'notify',
        metadata: { message, reason: req.reason }, operator: req.operator,
        context: { run_id: ctx('run_id'), workstream_id: ctx('workstream_id'), phase_id: ctx('phase_id') },
      }]);
    }
    req.onNotice?.(message);
    return { action: 'notify', required: false, status: 'succeeded', detail: req.transitionLog ? `appended to ${req.transitionLog}` : 'printed' };
  } catch (err) {
    // Not required (SSOT §2.5.3): the failure is recorded in the compensation record and the plan goes on.
    return { action: 'notify', required: false, status: 'failed', detail: (err as Error).message };
  }
}

/** Runs the compensation plan in the checkout; returns its record (never throws for a failed action). */
async function compensate(req: RollbackRequest, rec: EntityRecord, sha: string, ws: string, co: RollbackCheckout, head: string): Promise<CompensationRecord> {
  const actions: CompensationAction[] = [];
  let revertSha: string | null = null;
  try {
    revertSha = await revertCommit(co.dir, sha);
    actions.push({ action: 'git_revert', required: true, status: 'succeeded', detail: `git revert --no-edit ${sha} on ${co.branch}: ${revertSha}` });
  } catch (err) {
    if (!(err instanceof GitError)) throw err;
    actions.push({ action: 'git_revert', required: true, status: 'failed', detail: err.message });
  }
  const reverted = revertSha !== null;
  const wsPlan = req.plan.workstreams.find((w) => w.id === ws)!;
  if (reverted) {
    const gates = await runRegressionGates(co.dir, wsPlan.gates, planOrder(req.plan).gates[ws] ?? [], req.killGraceMs !== undefined ? { killGraceMs: req.killGraceMs } : {});
    const bad = gates.filter((g) => g.status !== 'PASSED');
    const detail = gates.length === 0 ? `workstream ${ws} has no gates` : bad.length === 0 ? `${gates.length} gate(s) passed on the reverted tree` : `gate(s) ${bad.map((g) => `${g.gate} ${g.status}${g.exitCode !== null ? ` (exit ${g.exitCode}${g.timedOut ? ', timed out' : ''})` : ''}`).join(', ')} on the reverted tree`;
    actions.push({ action: 'run_tests', required: true, status: bad.length === 0 ? 'succeeded' : 'failed', detail, gates });
  } else actions.push({ action: 'run_tests', required: true, status: 'skipped', detail: 'git_revert failed' });
  const failedEarly = actions.some((a) => a.required && a.status !== 'succeeded');
  const cleanTree = failedEarly ? null : await isClean(co.dir);
  const succeeded = cleanTree === true && actions.every((a) => !a.required || a.status === 'succeeded');
  // The notice goes out only once the clean-tree check passed and the ledger moved (a refusal announces nothing).
  if (succeeded) actions.push({ action: 'notify', required: false, status: 'pending', detail: 'sent once the ledger has moved' });
  else actions.push({ action: 'notify', required: false, status: 'skipped', detail: failedEarly ? 'a required action failed' : 'the tree was not clean after the plan' });
  const partial = { actions, clean_tree: cleanTree };
  return {
    ssot: '§2.5.3', ledger_id: rec.id, commit_sha: sha, repository: req.plan.run.repository, branch: co.branch, worktree: co.dir,
    pre_rollback_head: head, revert_sha: revertSha, ...partial, succeeded, undone: false,
  };
}

/**
 * The emergency rollback playbook (SSOT §5.3) of a committed patch: refuses unless the ledger entry is `committed`,
 * finds the branch holding its commit (the target branch once merged, else the workstream's integration branch),
 * requires that checkout to be clean, then runs the compensation plan of SSOT §2.5.3 — `git_revert` (required),
 * the workstream's gates as regression gates on the reverted tree (`run_tests`, required), `notify` (optional) — and
 * the final clean-tree check. On success the ledger takes its `rollback` edge to `rolled_back` (severity critical,
 * docs/design/engine.md §4) with the compensation record in the audit metadata, the operator and the reason, counted as a manual
 * override. Any failure undoes the revert (reset to the pre-rollback head) and throws `RollbackFailedError`, the patch
 * staying `committed`. The whole plan runs holding the target branch's lock (`withBranchLock`, shared with the
 * engine's merge): waits up to `lockWaitMs`, then is refused naming the holder.
 */
export async function rollbackPatch(db: Kysely<Database>, req: RollbackRequest): Promise<RollbackResult> {
  const { rec, sha, runId, ws } = await target(db, req);
  const candidates = [req.plan.run.target_branch, runIds(runId).branch(ws)];
  // One mover at a time: the engine's merge into the target branch and other rollbacks of the run take this lock too,
  // so the branch holding the commit is found, and reverted, with nothing merging into it meanwhile.
  const holder = `gantry override rollback-patch ${req.ledgerId} by ${req.operator}`;
  try {
    return await withBranchLock(req.plan.run.repository, req.plan.run.target_branch, { holder, waitMs: req.lockWaitMs ?? 60_000 }, async () => {
      // Another rollback of this entry may have finished while this one waited for the lock.
      const still = await loadEntity(db, 'patch_ledger', req.ledgerId);
      if (still?.state !== 'committed' || still.version !== rec.version) throw refuse(req.ledgerId, `it moved to '${still?.state ?? 'nothing'}' (version ${still?.version ?? '-'}) while this rollback waited for branch ${req.plan.run.target_branch}`);
      const co = await rollbackCheckout(req.plan.run.repository, sha, candidates, req.scratchDir);
      if (!co) throw refuse(req.ledgerId, `commit ${sha} is on none of the branches ${candidates.join(', ')}`);
      try {
        if (co.branch !== req.plan.run.target_branch) await refuseWhileEngineLive(db, req, runId, ws, co.branch, (req.clock ?? Date.now)());
        const target = req.plan.run.target_branch;
        const before = co.branch === target ? await revParse(req.plan.run.repository, `refs/heads/${target}`) : null;
        // Issue 16: with `run.remote` the revert of the target branch is pushed, only over what Gantry left there.
        const remote = before !== null && req.plan.run.remote !== undefined ? { url: req.plan.run.remote, before } : null;
        if (remote) await assertRemoteAt(req, remote);
        const result = await locked(db, req, { rec, sha, ws }, co, remote);
        // Gantry moved the target branch itself: its record moves along, so the engine's next merge does not take
        // the revert for a foreign commit (git/target-record.ts).
        if (before !== null) await advanceTargetHead(req.plan.run.repository, target, before, await revParse(req.plan.run.repository, `refs/heads/${target}`));
        return result;
      } finally {
        await co.release();
      }
    });
  } catch (err) {
    if (err instanceof BranchLockedError) throw refuse(req.ledgerId, err.message, { cause: err });
    throw err;
  }
}

/**
 * A commit not merged yet is reverted on the workstream's integration branch, in the worktree the run's engine applies
 * and commits patches in and runs tasks in: refused while that engine is alive, since a reset undoing a failed
 * rollback would drop its work. Alive: it has not stopped (Ctrl-C clears its heartbeat), its last heartbeat is within
 * 3 intervals of the run's recorded plan, and — on this host — its process still exists (a killed engine's is gone).
 */
async function refuseWhileEngineLive(db: Kysely<Database>, req: RollbackRequest, runId: string, ws: string, branch: string, now: number): Promise<void> {
  const source = await getRunSource(db, runId);
  const beat = source?.engineHeartbeatAt?.getTime() ?? null;
  if (!source || beat === null) return;
  const intervalSec = recordedPlan(source.plan, runId).workers.heartbeat_interval_sec;
  if (now - beat > 3 * intervalSec * 1000) return;
  const here = source.engineHost === hostname() && source.enginePid !== null;
  if (here && !processAlive(source.enginePid!)) return;
  const where = here ? `pid ${source.enginePid}` : `pid ${source.enginePid ?? '?'} on ${source.engineHost}, heartbeat ${Math.round((now - beat) / 1000)} s ago; judged gone after ${3 * intervalSec} s`;
  throw refuse(req.ledgerId, `its commit is only on ${branch}, the integration branch of workstream ${ws}, which the live engine of run ${runId} (${where}) is using; wait until the workstream merges, or stop the run (Ctrl-C) and roll back before \`gantry resume\``);
}

/** The rollback proper, holding the branch lock: clean-tree check, compensation plan, push (`run.remote`), ledger edge, notice. */
async function locked(db: Kysely<Database>, req: RollbackRequest, t: { rec: EntityRecord; sha: string; ws: string }, co: RollbackCheckout, remote: RollbackRemote | null): Promise<RollbackResult> {
  const { rec, sha, ws } = t;
  if (!(await isClean(co.dir))) throw refuse(req.ledgerId, `the checkout of ${co.branch} at ${co.dir} has uncommitted changes`);
  const head = await revParse(co.dir, 'HEAD');
  let record: CompensationRecord;
  try {
    record = await compensate(req, rec, sha, ws, co, head);
  } catch (err) {
    // An unexpected failure half way (a gate that could not run, git failing): the branch must not stay reverted.
    await undoOrSay(co.dir, head, err);
    throw err;
  }
  if (record.succeeded && remote) {
    // Pushed before the ledger moves: the notice (last) still waits for the ledger.
    const pushed = await publishRevert(req, remote);
    const actions = [...record.actions.slice(0, -1), pushed, ...record.actions.slice(-1)];
    record = pushed.status === 'succeeded' ? { ...record, actions } : { ...record, actions: actions.map((a) => (a.action === 'notify' ? { ...a, status: 'skipped', detail: 'a required action failed' } : a)), succeeded: false };
  }
  if (!record.succeeded) {
    const failed = compensationFailures(record);
    await undoOrSay(co.dir, head, null);
    record = { ...record, undone: true };
    throw new RollbackFailedError(req.ledgerId, failed.length > 0 ? failed : ['the compensation plan did not complete'], record);
  }
  const actors = new PersistedActors({ db, transitionLog: req.transitionLog, ...(req.clock ? { clock: req.clock } : {}) });
  try {
    // machines/patch-ledger-machine.ts: rollback {reason (required), compensation_succeeded}; guard `compensated`.
    const t = await actors.send(
      'patch_ledger',
      req.ledgerId,
      { type: 'rollback', reason: req.reason, compensation_succeeded: true },
      { expectedVersion: rec.version, operator: req.operator, reason: req.reason, metadata: { manual: true, action: 'rollback-patch', compensation: record } },
    );
    const notice = await notify(req, rec, `patch ${rec.id} (commit ${sha}) reverted on ${co.branch} by ${req.operator}: ${req.reason}`);
    const actions = record.actions.map((a) => (a.action === 'notify' ? notice : a));
    return { ledgerId: req.ledgerId, fromState: 'committed', toState: 'rolled_back', version: t.version, compensation: { ...record, actions } };
  } catch (err) {
    // Committed but not logged (the JSONL write after commit failed): the ledger is rolled_back, the revert stays.
    const now = await loadEntity(db, 'patch_ledger', req.ledgerId);
    if (now?.state === 'rolled_back' && now.version > rec.version) {
      throw new Error(`rollback-patch ${req.ledgerId}: the ledger is rolled_back and the revert stays on ${co.branch}, but recording it after the commit failed`, { cause: err });
    }
    // The ledger did not move: the branch must not stay reverted either (nor the remote's, when it was pushed).
    const remoteNote = remote ? await unpublishRevert(req, remote) : null;
    await undoOrSay(co.dir, head, err);
    if (remoteNote) throw new Error(`rollback-patch ${req.ledgerId}: the ledger did not move and the revert was undone; ${remoteNote}`, { cause: err });
    throw err;
  } finally {
    await actors.close();
  }
}
