import type { Kysely } from 'kysely';
import type { PersistedActors } from '../actors/index.js';
import { REASON_MAX_LENGTH } from '../machines/index.js';
import { EntityNotFoundError, gateRow, runGateRows, type Database, type GateRow } from '../persistence/index.js';
import { GateDecisionRefusedError } from './errors.js';

/** One decision on a manual gate by an authenticated operator. */
export interface GateDecisionRequest {
  readonly decision: 'approve' | 'reject';
  /** The gate: its plan id (with `runId`) or its entity id (`RUN.task.gate.aN`, as `gantry status` shows it). */
  readonly gate: string;
  /** The run the gate belongs to; null only with an entity id. */
  readonly runId: string | null;
  readonly operator: string;
  readonly reason: string;
}

/** What a decision did: the gate entity moved from RUNNING to PASSED (approve) or FAILED (reject). */
export interface GateDecision {
  readonly id: string;
  readonly fromState: string;
  readonly toState: string;
  readonly version: number;
}

/** A plan gate id of gate entity `row` (`R.task.gate.aN` of task `R.task` → `gate`), or null. */
function planGateId(row: GateRow): string | null {
  if (row.taskId === null || !row.id.startsWith(`${row.taskId}.`)) return null;
  return /^(.+)\.a[0-9]+$/.exec(row.id.slice(row.taskId.length + 1))?.[1] ?? null;
}

/** The gate entity `req` names: by entity id, else the one waiting among the run's gates of that plan id. */
async function findGate(db: Kysely<Database>, actors: PersistedActors, req: GateDecisionRequest): Promise<GateRow> {
  const refuse = (detail: string) => new GateDecisionRefusedError(req.decision, req.gate, detail);
  const byId = await gateRow(db, req.gate);
  if (byId !== null) {
    if (req.runId !== null && byId.runId !== req.runId) throw refuse(`gate ${byId.id} belongs to run ${byId.runId ?? '(none)'}, not ${req.runId}`);
    return byId;
  }
  if (req.runId === null) throw new EntityNotFoundError('test_gate', req.gate);
  const ofPlanId = (await runGateRows(db, req.runId)).filter((r) => planGateId(r) === req.gate);
  if (ofPlanId.length === 0) {
    await actors.load('run', req.runId); // an unknown run is named as such (closest ids)
    throw refuse(`run ${req.runId} has no gate '${req.gate}' yet (a gate exists once its task's patch reaches its gates; gantry status ${req.runId} lists them)`);
  }
  const waiting = ofPlanId.filter((r) => r.gateType === 'MANUAL' && r.state === 'RUNNING');
  if (waiting.length === 1) return waiting[0]!;
  if (waiting.length > 1) throw refuse(`several gates '${req.gate}' of run ${req.runId} are waiting: ${waiting.map((r) => r.id).join(', ')}; name one by its entity id`);
  return ofPlanId[ofPlanId.length - 1]!; // refused below, saying its type or state
}

/**
 * Approves or rejects a MANUAL gate (EXT-6) of database `db` through `actors` (on the same database) as `req.operator`, who must already be authenticated: the gate must be
 * MANUAL, RUNNING (waiting for approval) and list the operator among its approvers, else `GateDecisionRefusedError`
 * and nothing is written. The gate's machine takes `approved` (→ PASSED) or `rejected` (→ FAILED) with the operator
 * and reason, audited with both; the engine waiting on the gate (live or at `gantry resume`) goes on from there.
 */
export async function decideGate(db: Kysely<Database>, actors: PersistedActors, req: GateDecisionRequest): Promise<GateDecision> {
  const refuse = (detail: string) => new GateDecisionRefusedError(req.decision, req.gate, detail);
  if (req.reason.length > REASON_MAX_LENGTH) throw refuse(`the reason has ${req.reason.length} characters, at most ${REASON_MAX_LENGTH} allowed`);
  const row = await findGate(db, actors, req);
  if (row.gateType !== 'MANUAL') throw refuse(`gate ${row.id} is a ${row.gateType} gate, decided by its command; only MANUAL gates are approved or rejected`);
  const view = await actors.load('test_gate', row.id);
  if (view.state !== 'RUNNING') throw refuse(`gate ${row.id} is ${view.state}, not waiting for approval`);
  const approvers = view.context.approvers;
  if (!approvers.includes(req.operator)) throw refuse(`operator '${req.operator}' is not an approver of gate ${row.id} (approvers: ${approvers.join(', ')})`);
  const type = req.decision === 'approve' ? 'approved' : 'rejected';
  const t = await actors.send('test_gate', row.id, { type, operator: req.operator, reason: req.reason }, { operator: req.operator, reason: req.reason, expectedVersion: view.version });
  return { id: row.id, fromState: view.state, toState: t.to, version: t.version };
}
