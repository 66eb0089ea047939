import type { CommittedTransition } from '../actors/index.js';
import type { RunStatus } from '../engine/index.js';
import { committedReason } from './committed-reason.js';

/** Entity kinds the progress view counts per workstream. */
export type ProgressKind = 'task' | 'patch' | 'gate';

/** Counts by state of one kind of entity. */
export type StateCounts = Readonly<Record<string, number>>;

/** One workstream as the view shows it. */
export interface WorkstreamProgress {
  readonly id: string;
  readonly state: string;
  readonly tasks: StateCounts;
  readonly patches: StateCounts;
  readonly gates: StateCounts;
  /** Why its latest failure happened (`task leak-key failed: …`), while that entity stays in the failing state; absent otherwise. */
  readonly reason?: string;
}

/** What {@link renderProgress} draws: plain data, no clock, no terminal. */
export interface ProgressSnapshot {
  readonly runId: string | null;
  readonly runState: string | null;
  readonly elapsedMs: number;
  readonly workstreams: readonly WorkstreamProgress[];
  /** Orchestration workers by state (`busy`, `idle`, …). */
  readonly workers: StateCounts;
  /** UET workers by state (`BUSY`, `IDLE`, …). */
  readonly uetWorkers: StateCounts;
  /** The engine's latest notes (a worker lost, tasks waiting for workers), oldest first; default none. */
  readonly notes?: readonly string[];
  /** Why the run ended as it did, when its state needs explaining. */
  readonly runReason?: string;
}

interface Tracked {
  readonly kind: ProgressKind | 'workstream' | 'worker' | 'uet_worker';
  readonly ws: string | null;
  state: string;
}

const KIND_OF: Readonly<Record<string, Tracked['kind']>> = {
  task: 'task',
  patch_ledger: 'patch',
  test_gate: 'gate',
  workstream: 'workstream',
  worker: 'worker',
  uet_worker: 'uet_worker',
};

/**
 * The live counts behind the progress view of one run, kept incrementally: every committed transition moves one
 * entity from its old state's count to its new one (no database query per event); {@link ProgressModel.load} adds,
 * once or twice per run, the entities no transition has shown yet (they were created without one, e.g. tasks still
 * `pending`). Entities already seen through a transition keep the state the transition gave them: a transition is
 * never older than a concurrent load.
 */
export class ProgressModel {
  private runId: string | null = null;
  private runState: string | null = null;
  private readonly entities = new Map<string, Tracked>();
  /** Workstream ids in the order first seen; counts per workstream and kind, per state. */
  private readonly counts = new Map<string, Map<string, Map<string, number>>>();
  private readonly workstreamState = new Map<string, string>();
  private readonly taskWorkstream = new Map<string, string>();
  /** Per workstream, the entity whose failure explains it last and why (a task, gate or patch before the workstream itself). */
  private readonly wsReason = new Map<string, { readonly key: string; readonly text: string; readonly own: boolean }>();
  private runReason: string | null = null;

  /** The run this model follows (the first run a transition or load named), or null before any. */
  get run(): string | null {
    return this.runId;
  }

  /**
   * Applies one committed transition; returns the run id it belongs to (null when it names none, e.g. a breaker).
   * Transitions of another run than the followed one are ignored.
   */
  apply(t: CommittedTransition): string | null {
    const runId = t.entityType === 'run' ? t.id : (t.canonical.context.run_id ?? null);
    if (runId === null) return null;
    this.runId ??= runId;
    if (runId !== this.runId) return runId;
    if (t.entityType === 'run') {
      this.runState = t.to;
      this.runReason = committedReason(t);
      return runId;
    }
    const kind = KIND_OF[t.entityType];
    if (!kind) return runId;
    const ws = t.entityType === 'workstream' ? t.id : (t.canonical.context.workstream_id ?? null);
    this.set(`${t.entityType}:${t.id}`, kind, ws, t.to);
    if (ws !== null && kind !== 'worker' && kind !== 'uet_worker') this.explain(ws, t, runId);
    if (kind === 'task' && ws !== null) this.taskWorkstream.set(t.id, ws);
    return runId;
  }

  /** Keeps why workstream `ws` went wrong: the latest explained child transition (its own as a last resort), dropped when that entity moves on unexplained. */
  private explain(ws: string, t: CommittedTransition, runId: string): void {
    const key = `${t.entityType}:${t.id}`;
    const reason = committedReason(t);
    const held = this.wsReason.get(ws);
    if (reason === null) {
      if (held?.key === key) this.wsReason.delete(ws);
      return;
    }
    const own = t.entityType === 'workstream';
    if (own && held && !held.own) return; // a child's reason says more than "a patch of the workstream was quarantined"
    const id = t.id.startsWith(`${runId}.`) ? t.id.slice(runId.length + 1) : t.id;
    const kind = t.entityType === 'patch_ledger' ? 'patch' : t.entityType === 'test_gate' ? 'gate' : t.entityType;
    this.wsReason.set(ws, { key, own, text: own ? reason : `${kind} ${id} ${t.to}: ${reason}` });
  }

  /** Adds what a status read shows and no transition has shown yet (see the class comment). */
  load(status: RunStatus): void {
    this.runId ??= status.runId;
    if (status.runId !== this.runId) return;
    this.runState ??= status.state;
    for (const w of status.workstreams) this.setIfNew(`workstream:${w.id}`, 'workstream', w.id, w.state);
    for (const t of status.tasks) {
      if (t.parent !== null) this.taskWorkstream.set(t.id, t.parent);
      this.setIfNew(`task:${t.id}`, 'task', t.parent, t.state);
    }
    for (const p of status.patches) this.setIfNew(`patch_ledger:${p.id}`, 'patch', p.parent === null ? null : (this.taskWorkstream.get(p.parent) ?? null), p.state);
    for (const g of status.gates) this.setIfNew(`test_gate:${g.id}`, 'gate', g.parent === null ? null : (this.taskWorkstream.get(g.parent) ?? null), g.state);
    for (const w of status.workers) this.setIfNew(`worker:${w.id}`, 'worker', null, w.state);
  }

  /** The current counts, `elapsedMs` as given (the caller owns the clock). */
  snapshot(elapsedMs: number): ProgressSnapshot {
    const plain = (m: Map<string, number> | undefined): Record<string, number> => Object.fromEntries([...(m ?? new Map<string, number>())].filter(([, n]) => n > 0));
    const workstreams = [...this.counts.keys()]
      .filter((ws) => ws !== '')
      .map((ws) => {
        const byKind = this.counts.get(ws)!;
        const reason = this.wsReason.get(ws)?.text;
        return { id: ws, state: this.workstreamState.get(ws) ?? '?', tasks: plain(byKind.get('task')), patches: plain(byKind.get('patch')), gates: plain(byKind.get('gate')), ...(reason ? { reason } : {}) };
      });
    const global = this.counts.get('');
    return {
      runId: this.runId, runState: this.runState, elapsedMs, workstreams, workers: plain(global?.get('worker')), uetWorkers: plain(global?.get('uet_worker')),
      ...(this.runReason ? { runReason: this.runReason } : {}),
    };
  }

  private setIfNew(key: string, kind: Tracked['kind'], ws: string | null, state: string): void {
    if (!this.entities.has(key)) this.set(key, kind, ws, state);
  }

  private set(key: string, kind: Tracked['kind'], ws: string | null, state: string): void {
    if (kind === 'workstream') {
      this.entities.set(key, { kind, ws, state });
      this.workstreamState.set(ws!, state);
      this.bucket(ws!, 'task');
      return;
    }
    const prev = this.entities.get(key);
    const group = kind === 'worker' || kind === 'uet_worker' ? '' : (prev?.ws ?? ws ?? '');
    if (prev) {
      const b = this.bucket(group, kind);
      b.set(prev.state, (b.get(prev.state) ?? 1) - 1);
      prev.state = state;
    } else this.entities.set(key, { kind, ws: group, state });
    const b = this.bucket(group, kind);
    b.set(state, (b.get(state) ?? 0) + 1);
  }

  private bucket(group: string, kind: string): Map<string, number> {
    let byKind = this.counts.get(group);
    if (!byKind) this.counts.set(group, (byKind = new Map()));
    let b = byKind.get(kind);
    if (!b) byKind.set(kind, (b = new Map()));
    return b;
  }
}
