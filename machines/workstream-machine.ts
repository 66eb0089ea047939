import { assign, setup } from 'xstate';
import { z } from 'zod';
import { FAILURE_TAG } from './state-kinds.js';
import { allIn, someIn } from './dependency-facts.js';
import { ext, ssot } from './edge-meta.js';
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
  validation_failed: z.object({ type: z.literal('validation_failed'), ...base }),
} as const;

/** An event the Workstream accepts. */
export type WorkstreamEvent = z.infer<(typeof workstreamEventSchemas)[keyof typeof workstreamEventSchemas]>;

/** Input that creates a Workstream. */
export const workstreamInputSchema = z.object({
  now: nowSchema,
  planned_task_count: z.number().int().nonnegative(),
  depends_on: z.array(z.string()).default([]),
  critical: z.boolean().default(false),
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

/** The Workstream machine (SSOT §1.3, R-3, EXT-1, EXT-5). */
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
    allTasksAndPatchesDone: ({ context, event }) => {
      const t = taskFacts(event);
      return t.length === context.planned_task_count && t.every((x) => x.state === 'completed') && ledgerFacts(event).every((l) => l.state === 'verified' || l.state === 'committed');
    },
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
  },
  actions: {
    markStarted: assign({ started_at: ({ event }) => event.now }),
    markCompleted: assign({ completed_at: ({ event }) => event.now }),
    recordQuarantined: assign({
      quarantined_ledger_ids: ({ event }) => ledgerFacts(event).filter((l) => l.state === 'quarantined').map((l) => l.id),
      completed_at: ({ event }) => event.now,
    }),
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
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final', tags: [FAILURE_TAG] },
    cancelled: { type: 'final' },
    skipped: { type: 'final' },
  },
});
