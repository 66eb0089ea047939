import type { Kysely } from 'kysely';
import type { EntityState, RunStatus } from '../engine/run-status.js';
import { runReasons } from '../ops/entity-reasons.js';
import { getRunSource, runUsage, type Database, type UsageAmounts } from '../persistence/index.js';

/** An entity of a status report with why it is in its state, and what the plan expects of it. */
export interface ExplainedEntity extends EntityState {
  /** Why it is in its state (issue 13), or null when the state needs no explanation. */
  readonly reason: string | null;
  /** `failure` when the plan marks it `expect: failure`; absent otherwise. */
  readonly expected?: 'failure';
  /** What its tools reported they spent (issue 15; tasks and workstreams); absent when nothing was reported. */
  readonly usage?: UsageAmounts;
}

/** A run's status with a reason on every entity (and the run) and the plan's expected failures. */
export interface ExplainedStatus extends RunStatus {
  /** Why the run is in its state, or null. */
  readonly reason: string | null;
  /** What the run's tools reported they spent in all (issue 15), or null when nothing was reported. */
  readonly usage: UsageAmounts | null;
  readonly workstreams: readonly ExplainedEntity[];
  readonly tasks: readonly ExplainedEntity[];
  readonly patches: readonly ExplainedEntity[];
  readonly gates: readonly ExplainedEntity[];
  readonly workers: readonly ExplainedEntity[];
}

/** Entity ids the run's recorded plan marks `expect: failure` (workstreams `<run>.<ws>`, tasks `<run>.<task>`). */
async function expectedFailures(db: Kysely<Database>, runId: string): Promise<Set<string>> {
  const source = await getRunSource(db, runId);
  const plan = source?.plan as { workstreams?: { id: string; expect?: string; tasks?: { id: string; expect?: string }[] }[] } | undefined;
  const out = new Set<string>();
  for (const ws of plan?.workstreams ?? []) {
    if (ws.expect === 'failure') out.add(`${runId}.${ws.id}`);
    for (const t of ws.tasks ?? []) if (t.expect === 'failure') out.add(`${runId}.${t.id}`);
  }
  return out;
}

/** `s` with each entity's reason (ops/entity-reasons.ts), the plan's `expect: failure` marks and the usage tools reported. */
export async function explainStatus(db: Kysely<Database>, s: RunStatus): Promise<ExplainedStatus> {
  const [reasons, expected, usage] = await Promise.all([runReasons(db, s.runId), expectedFailures(db, s.runId), runUsage(db, s.runId)]);
  const explain = (type: string, rows: readonly EntityState[], spent?: ReadonlyMap<string, UsageAmounts>): ExplainedEntity[] =>
    rows.map((r) => {
      const u = spent?.get(r.id);
      return { ...r, reason: reasons.reasonOf(type, r.id), ...(expected.has(r.id) ? { expected: 'failure' as const } : {}), ...(u ? { usage: u } : {}) };
    });
  return {
    ...s,
    reason: reasons.reasonOf('run', s.runId),
    usage: usage.tasks.size > 0 ? usage.run : null,
    workstreams: explain('workstream', s.workstreams, usage.workstreams),
    tasks: explain('task', s.tasks, usage.tasks),
    patches: explain('patch_ledger', s.patches),
    gates: explain('test_gate', s.gates),
    workers: explain('worker', s.workers),
  };
}
