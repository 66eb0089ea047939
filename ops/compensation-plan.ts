import { ProcessSpawnError, runProcess } from '../exec/index.js';
import type { PlanGate } from '../plan/index.js';

// The compensation plan of SSOT §2.5.3: its record, and the regression gates of its `run_tests` action.

/**
 * The actions of a compensation plan (SSOT §2.5.3), and `publish` (issue 16): with `run.remote`, the reverted target
 * branch pushed to the remote before the ledger moves (required).
 */
export type CompensationActionType = 'git_revert' | 'run_tests' | 'publish' | 'notify';

/** What one action of the compensation plan did. */
export interface CompensationAction {
  readonly action: CompensationActionType;
  /** A failed required action aborts the rollback; a failed optional one is recorded and the plan goes on. */
  readonly required: boolean;
  /** `pending`: the notice is sent once the ledger moved (a rollback that is undone announces nothing). */
  readonly status: 'succeeded' | 'failed' | 'skipped' | 'pending';
  readonly detail: string;
  /** `run_tests`: each regression gate's result. */
  readonly gates?: readonly RegressionGateResult[];
}

/**
 * The record of an executed compensation plan (SSOT §2.5.3), stored in the `rollback` transition's metadata on
 * success and carried by `RollbackFailedError` otherwise.
 */
export interface CompensationRecord {
  readonly ssot: '§2.5.3';
  readonly ledger_id: string;
  readonly commit_sha: string;
  readonly repository: string;
  readonly branch: string;
  readonly worktree: string;
  readonly pre_rollback_head: string;
  readonly revert_sha: string | null;
  readonly actions: CompensationAction[];
  /** The final clean-tree check (`git status --porcelain` empty); null when an earlier required action failed. */
  readonly clean_tree: boolean | null;
  readonly succeeded: boolean;
  /** True when the branch was reset to `pre_rollback_head` after a failure. */
  readonly undone: boolean;
}

/** The failures that abort a compensation plan: failed required actions and a dirty tree, each described. */
export function compensationFailures(rec: Pick<CompensationRecord, 'actions' | 'clean_tree'>): string[] {
  const failed = rec.actions.filter((a) => a.required && a.status === 'failed').map((a) => `${a.action} failed: ${a.detail}`);
  if (rec.clean_tree === false) failed.push('clean-tree check failed: git status --porcelain is not empty after the rollback');
  return failed;
}

/** What one regression gate did on the reverted tree. */
export interface RegressionGateResult {
  readonly gate: string;
  readonly type: string;
  /** PASSED: exit code as expected; FAILED: another code or a timeout; BLOCKED: a gate it depends on did not pass (not run). */
  readonly status: 'PASSED' | 'FAILED' | 'BLOCKED';
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The end of stderr (or stdout), to say why a gate failed. */
  readonly output: string;
}

/** The last `max` characters of `s`. */
function tail(s: string, max = 1000): string {
  return s.length > max ? s.slice(s.length - max) : s;
}

/**
 * Runs a workstream's gates as regression gates on the tree in `cwd` (the `run_tests` action of a compensation plan,
 * SSOT §2.5.3), in `order` (each after its `depends_on`, SSOT §2.3): a gate passes when its command exits with the
 * expected code before its deadline; a gate whose dependency did not pass is BLOCKED and not run. A program that
 * cannot be started counts as exit code 127, as the engine's gates do. A MANUAL gate is not asked again: it passes (the
 * rollback's operator decides). Writes nothing to the database.
 */
export async function runRegressionGates(cwd: string, gates: readonly PlanGate[], order: readonly string[], opts: { killGraceMs?: number } = {}): Promise<RegressionGateResult[]> {
  const results = new Map<string, RegressionGateResult>();
  for (const id of order) {
    const gate = gates.find((g) => g.id === id);
    if (!gate) continue;
    const base = { gate: gate.id, type: gate.type };
    if (gate.depends_on.some((d) => results.get(d)?.status !== 'PASSED')) {
      results.set(id, { ...base, status: 'BLOCKED', exitCode: null, timedOut: false, durationMs: 0, output: `not run: depends on ${gate.depends_on.join(', ')}` });
      continue;
    }
    if (gate.command === null) {
      // A MANUAL gate (EXT-6) runs nothing: the rollback's operator, authorised for overrides, stands for its approvers.
      results.set(id, { ...base, status: 'PASSED', exitCode: gate.expect_exit, timedOut: false, durationMs: 0, output: 'manual gate: not asked again for a rollback (the operator decided)' });
      continue;
    }
    try {
      const r = await runProcess({
        command: typeof gate.command === 'string' ? gate.command : [...gate.command],
        cwd,
        timeoutMs: gate.timeout_sec * 1000,
        maxOutputBytes: 64 * 1024,
        ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
      });
      const passed = !r.timedOut && r.exitCode === gate.expect_exit;
      results.set(id, { ...base, status: passed ? 'PASSED' : 'FAILED', exitCode: r.exitCode, timedOut: r.timedOut, durationMs: Math.round(r.durationMs), output: tail(r.stderr || r.stdout) });
    } catch (err) {
      if (!(err instanceof ProcessSpawnError)) throw err;
      results.set(id, { ...base, status: 'FAILED', exitCode: 127, timedOut: false, durationMs: 0, output: err.message });
    }
  }
  return [...results.values()];
}
