import type { Kysely } from 'kysely';
import { isFailureState, SELF_EDGE_TRIGGERS } from '../machines/index.js';
import { readReasonFacts, runOfEntity, type Database, type GateOutputTail, type ReasonFact } from '../persistence/index.js';
import { relativeId, transitionReason } from './transition-reason.js';

/** The reasons of a run's entities: `reasonOf(type, id)` gives one (null: its state needs no explanation). */
export interface RunReasons {
  readonly runId: string;
  /** Why entity `entityType` `id` is in its state, or null. */
  reasonOf(entityType: string, id: string): string | null;
  /** Every entity with a reason, `type:id` → reason. */
  readonly all: ReadonlyMap<string, string>;
}

const key = (type: string, id: string): string => `${type}:${id}`;

/** The attempt number of a gate id (`….a3` → 3), or 0. */
const gateAttempt = (id: string): number => Number(/\.a([0-9]+)$/.exec(id)?.[1] ?? 0);

/** A gate's name as its task knows it: `<run>.<task>.<gate>.a<N>` seen from `<run>.<task>` is `<gate>`. */
const gateName = (taskId: string, gateId: string): string => relativeId(`${taskId}.x`, gateId).replace(/\.a[0-9]+$/, '');

/** A task that failed on its gates: the reason names each gate of its last attempt that did not pass, and why. */
function withGates(base: string, taskId: string, gates: readonly ReasonFact[], reasons: ReadonlyMap<string, string>): string {
  const mine = gates.filter((g) => g.entityId.startsWith(`${taskId}.`) && reasons.has(key('test_gate', g.entityId)));
  const last = Math.max(0, ...mine.map((g) => gateAttempt(g.entityId)));
  const failedFirst = (g: ReasonFact): number => (isFailureState('test_gate', g.toState) ? 0 : 1);
  const parts = mine.filter((g) => gateAttempt(g.entityId) === last).sort((a, b) => failedFirst(a) - failedFirst(b)).map((g) => `${gateName(taskId, g.entityId)} ${g.toState}: ${reasons.get(key('test_gate', g.entityId))!}`);
  return parts.length ? `${base} — ${parts.join('; ')}` : base;
}

/** A workstream that failed: the reason names its tasks that failed (else its patches that went wrong), and why. */
function withChildren(base: string, ws: string, facts: readonly ReasonFact[], reasons: ReadonlyMap<string, string>): string {
  const bad = (type: string) =>
    facts.filter((f) => f.entityType === type && f.workstreamId === ws && isFailureState(type, f.toState) && reasons.has(key(type, f.entityId)));
  const children = bad('task').length ? bad('task') : bad('patch_ledger');
  const parts = children.map((f) => `${f.entityType === 'task' ? 'task' : 'patch'} ${relativeId(ws, f.entityId)} ${f.toState}: ${reasons.get(key(f.entityType, f.entityId))!}`);
  return parts.length ? `${base} — ${parts.join('; ')}` : base;
}

/**
 * Why each entity of run `runId` is in its state (issue 13, "why, everywhere"): each entity's transition into its
 * current state explained by {@link transitionReason} (a command's exit code and last lines of output, a gate's exit
 * code and output tail, the forbidden rule and path of a quarantined patch, the dependencies that failed, the
 * operator and their reason), then followed down: a task that failed on its gates names each gate and its reason, a
 * failed workstream names its failed tasks (or patches) and theirs. Entities in normal states have none.
 */
export async function runReasons(db: Kysely<Database>, runId: string): Promise<RunReasons> {
  const { facts, gateOutputs } = await readReasonFacts(db, runId, undefined, SELF_EDGE_TRIGGERS);
  const outputs = new Map<string, GateOutputTail>(gateOutputs.map((g) => [g.id, g]));
  const reasons = new Map<string, string>();
  for (const f of facts) {
    const r = transitionReason(f, f.entityType === 'test_gate' ? outputs.get(f.entityId) : null);
    if (r !== null) reasons.set(key(f.entityType, f.entityId), r);
  }
  const gates = facts.filter((f) => f.entityType === 'test_gate');
  for (const f of facts) {
    const k = key(f.entityType, f.entityId);
    const base = reasons.get(k);
    if (base === undefined) continue;
    if (f.entityType === 'task') reasons.set(k, withGates(base, f.entityId, gates, reasons));
  }
  for (const f of facts) {
    const k = key(f.entityType, f.entityId);
    const base = reasons.get(k);
    if (base !== undefined && f.entityType === 'workstream') reasons.set(k, withChildren(base, f.entityId, facts, reasons));
  }
  return { runId, all: reasons, reasonOf: (type, id) => reasons.get(key(type, id)) ?? null };
}

/**
 * THE reason of any entity: why entity `entityType` `id` is in its state (see {@link runReasons}), or null when
 * its state needs no explanation. An entity of no run (a shared breaker) is explained by its last state change
 * alone. `EntityNotFoundError` when it does not exist.
 */
export async function entityReason(db: Kysely<Database>, entityType: string, id: string): Promise<string | null> {
  const runId = await runOfEntity(db, entityType, id);
  if (runId === null) return null;
  return (await runReasons(db, runId)).reasonOf(entityType, id);
}

