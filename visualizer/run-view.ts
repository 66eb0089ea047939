import { entryOf, isEntityType, isTerminal } from '../machines/index.js';
import type { UsageAmounts } from '../persistence/index.js';
import { InspectNotFoundError } from './inspect-errors.js';
import type { RunViewEntityRow, RunQueries, StateChangeRow } from './run-queries.js';

/**
 * Why each entity of a run is in its state, `type:id` → short reason (issue 13, "why, everywhere"). The visualizer may
 * import only machines/ and persistence/, so the reason rules (ops/entity-reasons.ts `runReasons`) are handed in by
 * the caller, as the hash rule is: `gantry inspect` and `gantry run --inspect-port` pass them.
 */
export type RunReasonSource = (runId: string) => Promise<ReadonlyMap<string, string>>;

/** One attempt of a task: from the event that starts an attempt to the next state change (null: still running). */
export interface WireAttempt {
  readonly start: number;
  readonly end: number | null;
  /** The state the attempt ended in, or null while it runs. */
  readonly to: string | null;
}

/** One entity of the run view: its row, why it is in its state, and its timeline. */
export interface RunViewEntity extends RunViewEntityRow {
  readonly reason: string | null;
  /** Epoch ms of its creation row, null when the run's rows were cut by the limit before it. */
  readonly start: number | null;
  /** Epoch ms it entered a terminal state, or null. */
  readonly end: number | null;
  readonly attempts: readonly WireAttempt[];
  /** What its tools reported they spent (tasks and workstreams, issue 15); absent when nothing was reported. */
  readonly usage?: UsageAmounts;
}

/** The `/api/runs/:id/view` answer: the run, its entities with reasons and timelines, its counts per state. */
export interface RunView {
  readonly run: { readonly id: string; readonly state: string; readonly version: number; readonly reason: string | null; readonly start: number | null; readonly end: number | null; readonly usage: UsageAmounts | null };
  readonly entities: readonly RunViewEntity[];
  readonly counts: readonly { entity_type: string; state: string; n: number }[];
  /** How many audit rows the run has (the step slider's range). */
  readonly transitions: number;
  /** True when an entity or state-change limit cut the view. */
  readonly truncated: boolean;
}

/** The task event that starts an attempt (SSOT §1.4: a worker starts the task); its targets are read from the machine. */
export const ATTEMPT_EVENT = 'worker_started';

/** The states a task is in during an attempt: the targets of {@link ATTEMPT_EVENT} in the task machine. */
export function attemptStates(): ReadonlySet<string> {
  return new Set(entryOf('task').transitions.filter((t) => t.event === ATTEMPT_EVENT && !t.internal).map((t) => t.to));
}

/** Per entity (`type:id`), its creation time, the time it ended, and its attempts, from the run's state changes. */
export function timelines(changes: readonly StateChangeRow[]): Map<string, { start: number | null; end: number | null; attempts: WireAttempt[] }> {
  const inAttempt = attemptStates();
  const out = new Map<string, { start: number | null; end: number | null; attempts: WireAttempt[] }>();
  for (const c of changes) {
    const k = `${c.entity_type}:${c.entity_id}`;
    let t = out.get(k);
    if (!t) out.set(k, (t = { start: null, end: null, attempts: [] }));
    if (c.from === null) t.start = c.time;
    const open = t.attempts[t.attempts.length - 1];
    if (open && open.end === null) t.attempts[t.attempts.length - 1] = { start: open.start, end: c.time, to: c.to };
    if (c.entity_type === 'task' && inAttempt.has(c.to)) t.attempts.push({ start: c.time, end: null, to: null });
    if (isEntityType(c.entity_type) && isTerminal(c.entity_type, c.to)) t.end = c.time;
  }
  return out;
}

/** Entities and state changes read per run view at most (a 1,000-task run has a few thousand of each). */
const ENTITY_LIMIT = 20_000;
const CHANGE_LIMIT = 200_000;

/** The run view of run `runId` (`InspectNotFoundError` when there is no such run). */
export async function runView(q: RunQueries, runId: string, transitions: number, reasons: RunReasonSource | null): Promise<RunView> {
  const run = await q.run(runId);
  if (!run) throw new InspectNotFoundError(`run ${runId} does not exist`);
  const [rows, changes, why, usage] = await Promise.all([q.entities(runId, ENTITY_LIMIT), q.stateChanges(runId, CHANGE_LIMIT), reasons ? reasons(runId) : null, q.usage(runId)]);
  const times = timelines(changes);
  const counts = new Map<string, { entity_type: string; state: string; n: number }>();
  for (const e of rows) {
    const k = `${e.entity_type}:${e.state}`;
    const c = counts.get(k) ?? { entity_type: e.entity_type, state: e.state, n: 0 };
    counts.set(k, { ...c, n: c.n + 1 });
  }
  const entities = rows.map((e) => {
    const t = times.get(`${e.entity_type}:${e.id}`);
    const spent = e.entity_type === 'task' ? usage.tasks.get(e.id) : e.entity_type === 'workstream' ? usage.workstreams.get(e.id) : undefined;
    return { ...e, reason: why?.get(`${e.entity_type}:${e.id}`) ?? null, start: t?.start ?? null, end: t?.end ?? null, attempts: t?.attempts ?? [], ...(spent ? { usage: spent } : {}) };
  });
  return {
    run: { ...run, reason: why?.get(`run:${runId}`) ?? null, start: times.get(`run:${runId}`)?.start ?? null, end: times.get(`run:${runId}`)?.end ?? null, usage: usage.tasks.size > 0 ? usage.run : null },
    entities,
    counts: [...counts.values()].sort((a, b) => a.entity_type.localeCompare(b.entity_type) || a.state.localeCompare(b.state)),
    transitions,
    truncated: changes.length >= CHANGE_LIMIT || rows.length >= ENTITY_LIMIT,
  };
}
