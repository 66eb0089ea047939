import { assign, setup } from 'xstate';
import { z } from 'zod';
import { FAILURE_TAG } from './state-kinds.js';
import { allIn, someIn } from './dependency-facts.js';
import { ext, internal, ssot } from './edge-meta.js';
import { childFactSchema, nowSchema, reasonSchema, stateMapSchema, type ChildFact } from './schema-parts.js';
import { taskMachine } from './task-machine.js';

/** The Task machine's final states, read from its definition (EXT-5 asks whether every task has ended). */
const TASK_FINAL_STATES: ReadonlySet<string> = new Set(Object.values(taskMachine.root.states).filter((s) => s.type === 'final').map((s) => s.key));

/** States of the Workstream machine (SSOT §1.3). */
export const WORKSTREAM_STATES = ['planned', 'ready', 'blocked', 'executing', 'validating', 'completed', 'failed', 'cancelled', 'skipped'] as const;
/** A Workstream state. */
export type WorkstreamState = (typeof WORKSTREAM_STATES)[number];

const base = { now: nowSchema, reason: reasonSchema };
const dependencies = stateMapSchema;
const tasks = z.array(childFactSchema);
const ledger = z.array(z.object({ id: z.string(), state: z.string() }));
/** Conflicting paths an event carries (at most {@link MAX_CONFLICT_PATHS}, the engine clips the list). */
const paths = z.array(z.string().min(1).max(4096)).max(100);

/** How a workstream whose merge into the target branch conflicts resolves it (plan `on_conflict`); default `rebase`. */
export const ON_CONFLICT = ['fail', 'rebase', 'rerun'] as const;
/** A workstream's `on_conflict`. */
export type OnConflict = (typeof ON_CONFLICT)[number];
/** Most conflicting paths a conflict round records (the rest is summarised in its reason). */
export const MAX_CONFLICT_PATHS = 100;
/** Default `max_conflict_rounds`: conflict rounds (a rebase or a re-run each) one workstream may take. */
export const DEFAULT_MAX_CONFLICT_ROUNDS = 2;

/** zod schemas of the Workstream's events, by type. */
export const workstreamEventSchemas = {
  tasks_created: z.object({ type: z.literal('tasks_created'), ...base, task_count: z.number().int().nonnegative(), dependencies }),
  dependency_unmet: z.object({ type: z.literal('dependency_unmet'), ...base, dependencies }),
  dependencies_met: z.object({ type: z.literal('dependencies_met'), ...base, dependencies }),
  dependency_failed: z.object({ type: z.literal('dependency_failed'), ...base, dependencies }),
  skip: z.object({ type: z.literal('skip'), ...base }),
  cancel: z.object({ type: z.literal('cancel'), ...base }),
  task_started: z.object({ type: z.literal('task_started'), ...base, tasks }),
  tasks_completed: z.object({ type: z.literal('tasks_completed'), ...base, tasks, ledger }),
  critical_task_failed: z.object({ type: z.literal('critical_task_failed'), ...base, tasks }),
  tasks_settled: z.object({ type: z.literal('tasks_settled'), ...base, tasks }),
  patch_quarantined: z.object({ type: z.literal('patch_quarantined'), ...base, ledger }),
  validation_passed: z.object({ type: z.literal('validation_passed'), ...base, merged: z.boolean() }),
  validation_failed: z.object({ type: z.literal('validation_failed'), ...base, paths: paths.optional() }),
  rebase_started: z.object({ type: z.literal('rebase_started'), ...base, paths }),
  rebased: z.object({ type: z.literal('rebased'), ...base, head: z.string().regex(/^[0-9a-f]{40,64}$/) }),
  rerun_started: z.object({ type: z.literal('rerun_started'), ...base, paths, rerun_tasks: z.array(z.string()).max(1000) }),
  rerun_settled: z.object({ type: z.literal('rerun_settled'), ...base, tasks, ledger }),
} as const;

/** An event the Workstream accepts. */
export type WorkstreamEvent = z.infer<(typeof workstreamEventSchemas)[keyof typeof workstreamEventSchemas]>;

/** Input that creates a Workstream. */
export const workstreamInputSchema = z.object({
  now: nowSchema,
  planned_task_count: z.number().int().nonnegative(),
  depends_on: z.array(z.string()).default([]),
  critical: z.boolean().default(false),
  on_conflict: z.enum(ON_CONFLICT).default('rebase'),
  max_conflict_rounds: z.number().int().nonnegative().default(DEFAULT_MAX_CONFLICT_ROUNDS),
});
/** Input that creates a Workstream. */
export type WorkstreamInput = z.input<typeof workstreamInputSchema>;

/** Context of the Workstream machine. */
export interface WorkstreamContext {
  created_at: number;
  planned_task_count: number;
  depends_on: string[];
  critical: boolean;
  started_at: number | null;
  completed_at: number | null;
  quarantined_ledger_ids: string[];
  on_conflict: OnConflict;
  max_conflict_rounds: number;
  /** Conflict rounds taken so far (EXT-7, EXT-8); never more than `max_conflict_rounds` (the guards). */
  conflict_rounds: number;
  /** The current conflict round, or null before the first one. */
  conflict: ConflictRound | null;
}

/** One conflict round of a `validating` workstream (EXT-7 rebase, EXT-8 re-run): its cause and how far it got. */
export interface ConflictRound {
  readonly round: number;
  readonly step: 'rebase' | 'rerun';
  /** The conflicting paths that caused it (empty: the target branch moved while the previous round's gates ran). */
  readonly paths: string[];
  /** Re-run: the plan ids of the tasks run again; rebase: none. */
  readonly rerun_tasks: string[];
  /** Rebase: the replayed branch tip once the replay succeeded (`rebased`), else null. */
  readonly head: string | null;
  /** Re-run: whether every task of the workstream completed again (`rerun_settled`). */
  readonly settled: boolean;
}

/**
 * Whether the workstream's tasks may run while it is `validating`: a re-run round (EXT-8) is open and its tasks have
 * not all completed yet. The engine schedules tasks only of `ready` / `executing` workstreams, and of these.
 */
export function rerunOpen(state: string, context: Pick<WorkstreamContext, 'conflict'>): boolean {
  return state === 'validating' && context.conflict?.step === 'rerun' && !context.conflict.settled;
}

function deps(e: WorkstreamEvent): Record<string, string> {
  return 'dependencies' in e ? e.dependencies : {};
}
function taskFacts(e: WorkstreamEvent): ChildFact[] {
  return 'tasks' in e ? e.tasks : [];
}
function ledgerFacts(e: WorkstreamEvent): { id: string; state: string }[] {
  return 'ledger' in e ? e.ledger : [];
}

/** SSOT §3.2 rule 1: every planned task completed and every ledger entry verified or committed. */
function allTasksAndPatchesDone(context: WorkstreamContext, event: WorkstreamEvent): boolean {
  const t = taskFacts(event);
  return t.length === context.planned_task_count && t.every((x) => x.state === 'completed') && ledgerFacts(event).every((l) => l.state === 'verified' || l.state === 'committed');
}

function pathsOf(e: WorkstreamEvent): string[] {
  return 'paths' in e && e.paths !== undefined ? e.paths : [];
}

/** The Workstream machine (SSOT §1.3, R-3, EXT-1, EXT-5, EXT-7, EXT-8). */
export const workstreamMachine = setup({
  types: {} as { context: WorkstreamContext; events: WorkstreamEvent; input: WorkstreamInput },
  guards: {
    /** SSOT §1.3: all planned tasks exist and every dependency workstream is completed. */
    tasksCreatedAndDepsMet: ({ context, event }) =>
      event.type === 'tasks_created' && event.task_count === context.planned_task_count && allIn(context.depends_on, deps(event), ['completed']),
    /** SSOT §1.3: some dependency workstream is not completed. */
    dependencyUnmet: ({ context, event }) => !allIn(context.depends_on, deps(event), ['completed']),
    /** SSOT §1.3: every dependency workstream is now completed. */
    dependenciesMet: ({ context, event }) => allIn(context.depends_on, deps(event), ['completed']),
    /** a dependency workstream ended failed or cancelled. */
    dependencyFailed: ({ context, event }) => someIn(context.depends_on, deps(event), ['failed', 'cancelled']),
    /** SSOT §1.3.4: at least one task is running. */
    someTaskRunning: ({ event }) => taskFacts(event).some((t) => t.state === 'running'),
    /** SSOT §3.2 rule 1: every task completed and every ledger entry verified or committed. */
    allTasksAndPatchesDone: ({ context, event }) => allTasksAndPatchesDone(context, event),
    /** SSOT §1.3.7 inv. 3: a critical task failed. */
    criticalTaskFailed: ({ event }) => taskFacts(event).some((t) => t.critical && t.state === 'failed'),
    /**
     * EXT-5: every planned task has ended and one of them failed (a non-critical task: a critical one has its own
     * edge): the workstream can never validate, and fails saying so.
     */
    tasksEndedWithFailure: ({ context, event }) => {
      const t = taskFacts(event);
      return t.length === context.planned_task_count && t.every((x) => TASK_FINAL_STATES.has(x.state)) && t.some((x) => x.state === 'failed');
    },
    /** SSOT §3.2 rule 2: some ledger entry of the workstream is quarantined. */
    patchQuarantined: ({ event }) => ledgerFacts(event).some((l) => l.state === 'quarantined'),
    /** SSOT §1.3.7 inv. 5: validation passed and the commits are merged. */
    merged: ({ event }) => event.type === 'validation_passed' && event.merged,
    /**
     * EXT-7: `on_conflict: rebase`, a conflict round left (`conflict_rounds < max_conflict_rounds`), and not the
     * conflict of a rebase round's own replay (that one falls back to a re-run, `mayRerun`).
     */
    mayRebase: ({ context }) =>
      context.on_conflict === 'rebase' && context.conflict_rounds < context.max_conflict_rounds && !(context.conflict?.step === 'rebase' && context.conflict.head === null),
    /**
     * EXT-8: `on_conflict: rerun`, or `rebase` falling back to a re-run (its rebase conflicted, or the target branch
     * moved), and a conflict round left; `fail` never re-runs.
     */
    mayRerun: ({ context }) => context.on_conflict !== 'fail' && context.conflict_rounds < context.max_conflict_rounds,
    /** EXT-7: a rebase round whose replay has not succeeded yet. */
    rebasePending: ({ context }) => context.conflict?.step === 'rebase' && context.conflict.head === null,
    /** EXT-8: an open re-run round, and every task completed and every ledger entry verified or committed (§3.2 rule 1). */
    rerunDone: (args) => args.context.conflict?.step === 'rerun' && !args.context.conflict.settled && allTasksAndPatchesDone(args.context, args.event),
  },
  actions: {
    markStarted: assign({ started_at: ({ event }) => event.now }),
    markCompleted: assign({ completed_at: ({ event }) => event.now }),
    recordQuarantined: assign({
      quarantined_ledger_ids: ({ event }) => ledgerFacts(event).filter((l) => l.state === 'quarantined').map((l) => l.id),
      completed_at: ({ event }) => event.now,
    }),
    startRebaseRound: assign({
      conflict_rounds: ({ context }) => context.conflict_rounds + 1,
      conflict: ({ context, event }) => ({ round: context.conflict_rounds + 1, step: 'rebase' as const, paths: pathsOf(event), rerun_tasks: [], head: null, settled: false }),
    }),
    startRerunRound: assign({
      conflict_rounds: ({ context }) => context.conflict_rounds + 1,
      conflict: ({ context, event }) => ({
        round: context.conflict_rounds + 1,
        step: 'rerun' as const,
        paths: pathsOf(event),
        rerun_tasks: event.type === 'rerun_started' ? event.rerun_tasks : [],
        head: null,
        settled: false,
      }),
    }),
    recordRebased: assign({ conflict: ({ context, event }) => (context.conflict === null ? null : { ...context.conflict, head: event.type === 'rebased' ? event.head : null }) }),
    recordRerunSettled: assign({ conflict: ({ context }) => (context.conflict === null ? null : { ...context.conflict, settled: true }) }),
  },
}).createMachine({
  id: 'workstream',
  initial: 'planned',
  context: ({ input }) => {
    const i = workstreamInputSchema.parse(input);
    return {
      created_at: i.now,
      planned_task_count: i.planned_task_count,
      depends_on: i.depends_on,
      critical: i.critical,
      started_at: null,
      completed_at: null,
      quarantined_ledger_ids: [],
      on_conflict: i.on_conflict,
      max_conflict_rounds: i.max_conflict_rounds,
      conflict_rounds: 0,
      conflict: null,
    };
  },
  states: {
    planned: {
      on: {
        tasks_created: { target: 'ready', guard: 'tasksCreatedAndDepsMet', meta: ssot('§1.3') },
        dependency_unmet: { target: 'blocked', guard: 'dependencyUnmet', meta: ssot('§1.3') },
        skip: { target: 'skipped', actions: 'markCompleted', meta: ssot('§1.3') },
        cancel: { target: 'cancelled', actions: 'markCompleted', meta: ssot('§1.3') },
        dependency_failed: { target: 'cancelled', guard: 'dependencyFailed', actions: 'markCompleted', meta: ssot('R-3') },
      },
    },
    blocked: {
      on: {
        dependencies_met: { target: 'ready', guard: 'dependenciesMet', meta: ssot('§1.3') },
        cancel: { target: 'cancelled', actions: 'markCompleted', meta: ext('EXT-1', 'R-3') },
        dependency_failed: { target: 'cancelled', guard: 'dependencyFailed', actions: 'markCompleted', meta: ext('EXT-1', 'R-3') },
      },
    },
    ready: {
      on: {
        task_started: { target: 'executing', guard: 'someTaskRunning', actions: 'markStarted', meta: ssot('§1.3') },
        tasks_settled: { target: 'failed', guard: 'tasksEndedWithFailure', actions: 'markCompleted', meta: ext('EXT-5', '§1.3') },
        skip: { target: 'skipped', actions: 'markCompleted', meta: ssot('§1.3') },
        cancel: { target: 'cancelled', actions: 'markCompleted', meta: ssot('§1.3') },
      },
    },
    executing: {
      on: {
        tasks_completed: { target: 'validating', guard: 'allTasksAndPatchesDone', meta: ssot('§1.3, §3.2') },
        critical_task_failed: { target: 'failed', guard: 'criticalTaskFailed', actions: 'markCompleted', meta: ssot('§1.3') },
        patch_quarantined: { target: 'failed', guard: 'patchQuarantined', actions: 'recordQuarantined', meta: ssot('§3.2') },
        tasks_settled: { target: 'failed', guard: 'tasksEndedWithFailure', actions: 'markCompleted', meta: ext('EXT-5', '§1.3') },
        cancel: { target: 'cancelled', actions: 'markCompleted', meta: ssot('§1.3') },
      },
    },
    validating: {
      on: {
        validation_passed: { target: 'completed', guard: 'merged', actions: 'markCompleted', meta: ssot('§1.3.7') },
        validation_failed: { target: 'failed', actions: 'markCompleted', meta: ssot('§1.3') },
        rebase_started: { target: 'validating', guard: 'mayRebase', actions: 'startRebaseRound', meta: ext('EXT-7', '§1.3') },
        rebased: { guard: 'rebasePending', actions: 'recordRebased', meta: internal('EXT-7') },
        rerun_started: { target: 'validating', guard: 'mayRerun', actions: 'startRerunRound', meta: ext('EXT-8', '§1.3') },
        rerun_settled: { guard: 'rerunDone', actions: 'recordRerunSettled', meta: internal('EXT-8') },
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final', tags: [FAILURE_TAG] },
    cancelled: { type: 'final' },
    skipped: { type: 'final' },
  },
});
