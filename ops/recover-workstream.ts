import type { Kysely } from 'kysely';
import { entryOf } from '../machines/index.js';
import { EntityNotFoundError, loadEntity, workstreamTaskStates, type Database } from '../persistence/index.js';
import { applyOverride, type OverrideResult } from './apply-override.js';
import { OverrideRefusedError } from './errors.js';
import { DEFAULT_STUCK_THRESHOLDS, findStuck, type StuckThresholds } from './find-stuck.js';

/** One "recover a stuck workstream" request (SSOT §5.3); the operator is already authenticated. */
export interface RecoverWorkstreamRequest {
  readonly workstreamId: string;
  readonly operator: string;
  readonly reason: string;
  /** JSONL file of canonical events; null: none. */
  readonly transitionLog: string | null;
  /** When a running task counts as stuck (SSOT §5.1 defaults). */
  readonly thresholds?: StuckThresholds;
}

/** What the playbook did and what is left for the operator. */
export interface RecoverWorkstreamResult {
  readonly workstreamId: string;
  readonly runId: string | null;
  /** The stuck tasks failed by `fail-task` overrides. */
  readonly failedTasks: readonly OverrideResult[];
  /** Stuck tasks that moved on before their override (e.g. finished meanwhile): refused, left as they are. */
  readonly skippedTasks: readonly { readonly id: string; readonly reason: string }[];
  /** `validated`: every task was completed and the workstream was validated; `resume`: the run must be resumed. */
  readonly outcome: 'validated' | 'resume';
  readonly workstreamState: string;
  /** `gantry resume RUN_ID` when the outcome is `resume`. */
  readonly resumeCommand: string | null;
}

/**
 * The "recover a stuck workstream" playbook (SSOT §5.3): every task of the workstream stuck `running` past its
 * threshold (SSOT §5.1) is failed through the `fail-task` override (audited, operator, reason, counted); then, when
 * every task of the workstream is `completed`, the workstream is validated through the `validate-workstream` override;
 * otherwise the operator is told to resume the run (`gantry resume RUN_ID`), which lets the engine take the failed
 * tasks' edges and settle the workstream. A stuck task that moved on before its override is skipped and reported (the
 * others are still failed). Refused (nothing written) for a workstream already terminal.
 */
export async function recoverWorkstream(db: Kysely<Database>, req: RecoverWorkstreamRequest): Promise<RecoverWorkstreamResult> {
  const ws = await loadEntity(db, 'workstream', req.workstreamId);
  if (!ws) throw new EntityNotFoundError('workstream', req.workstreamId);
  if (entryOf('workstream').terminal.includes(ws.state)) {
    throw new OverrideRefusedError('recover-workstream', 'workstream', req.workstreamId, `state '${ws.state}' is terminal: nothing to recover`);
  }
  const runId = typeof ws.columns['run_id'] === 'string' ? (ws.columns['run_id'] as string) : null;
  const tasksOf = () => workstreamTaskStates(db, req.workstreamId);
  const mine = new Set((await tasksOf()).map((t) => t.id));
  const stuck = (await findStuck(db, req.thresholds ?? DEFAULT_STUCK_THRESHOLDS)).filter((s) => s.entityType === 'task' && mine.has(s.id));
  const failedTasks: OverrideResult[] = [];
  const skippedTasks: { id: string; reason: string }[] = [];
  for (const s of stuck) {
    try {
      failedTasks.push(await applyOverride(db, { action: 'fail-task', id: s.id, operator: req.operator, reason: `recover-workstream ${req.workstreamId}: ${req.reason}`, transitionLog: req.transitionLog }));
    } catch (err) {
      // A task that moved on meanwhile (finished, or failed by the engine) is left as it is; the others still count.
      if (!(err instanceof OverrideRefusedError)) throw err;
      skippedTasks.push({ id: s.id, reason: err.message });
    }
  }
  const tasks = await tasksOf();
  const current = (await loadEntity(db, 'workstream', req.workstreamId))!;
  if (tasks.length > 0 && tasks.every((t) => t.state === 'completed') && (current.state === 'executing' || current.state === 'validating')) {
    const v = await applyOverride(db, { action: 'validate-workstream', id: req.workstreamId, operator: req.operator, reason: `recover-workstream: ${req.reason}`, transitionLog: req.transitionLog });
    return { workstreamId: req.workstreamId, runId, failedTasks, skippedTasks, outcome: 'validated', workstreamState: v.toState, resumeCommand: null };
  }
  return { workstreamId: req.workstreamId, runId, failedTasks, skippedTasks, outcome: 'resume', workstreamState: current.state, resumeCommand: `gantry resume ${runId ?? 'RUN_ID'}` };
}
