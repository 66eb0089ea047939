import { assign, setup } from 'xstate';
import { z } from 'zod';
import { FAILURE_TAG } from './state-kinds.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { allIn, notIn, someIn } from './dependency-facts.js';
import { ext, ssot } from './edge-meta.js';
import { errorTextSchema, idSchema, nowSchema, reasonSchema, stateMapSchema } from './schema-parts.js';

/** States of the Task machine (SSOT §1.4). */
export const TASK_STATES = ['pending', 'queued', 'blocked', 'running', 'validating', 'retrying', 'completed', 'failed', 'cancelled'] as const;
/** A Task state. */
export type TaskState = (typeof TASK_STATES)[number];

const base = { now: nowSchema, reason: reasonSchema };
const facts = { dependencies: stateMapSchema.default({}), gates: stateMapSchema.default({}) };
const failure = {
  ...base,
  exit_code: z.number().int().nullable().optional(),
  error: errorTextSchema.optional(),
  /** Jitter draw in [0, 1] for the backoff; default 0.5. */
  jitter: z.number().min(0).max(1).optional(),
  /** False when retrying cannot help (the program was not found): the attempt fails the task at once; default true. */
  retryable: z.boolean().optional(),
};

/** zod schemas of the Task's events, by type. */
export const taskEventSchemas = {
  scheduler_assigned: z.object({ type: z.literal('scheduler_assigned'), ...base, ...facts }),
  dependency_check_failed: z.object({ type: z.literal('dependency_check_failed'), ...base, ...facts }),
  dependency_satisfied: z.object({ type: z.literal('dependency_satisfied'), ...base, ...facts }),
  dependency_failed: z.object({ type: z.literal('dependency_failed'), ...base, ...facts }),
  worker_started: z.object({ type: z.literal('worker_started'), ...base, worker_id: idSchema, worker_capabilities: z.array(z.string()) }),
  execution_completed: z.object({ type: z.literal('execution_completed'), ...base, exit_code: z.number().int() }),
  execution_failed: z.object({ type: z.literal('execution_failed'), ...failure }),
  timeout_exceeded: z.object({ type: z.literal('timeout_exceeded'), ...failure }),
  user_cancelled: z.object({ type: z.literal('user_cancelled'), ...base }),
  retry_delay_elapsed: z.object({ type: z.literal('retry_delay_elapsed'), ...base }),
  validation_passed: z.object({ type: z.literal('validation_passed'), ...base, gates: stateMapSchema.default({}), ledger_state: z.string().nullable().default(null) }),
  validation_failed: z.object({ type: z.literal('validation_failed'), ...base, error: errorTextSchema.optional() }),
} as const;

/** An event the Task accepts. */
export type TaskEvent = z.infer<(typeof taskEventSchemas)[keyof typeof taskEventSchemas]>;

/** Input that creates a Task; defaults of SSOT §6.3. */
export const taskInputSchema = z.object({
  now: nowSchema,
  depends_on: z.array(z.string()).default([]),
  gate_dependencies: z.array(z.string()).default([]),
  required_capabilities: z.array(z.string()).default([]),
  is_critical: z.boolean().default(false),
  max_retries: z.number().int().nonnegative().default(3),
  timeout_sec: z.number().int().positive().default(1800),
  expected_exit: z.array(z.number().int()).nonempty().default([0]),
  backoff: z.object({ base_ms: z.number().int().positive(), cap_ms: z.number().int().positive() }).default(DEFAULT_BACKOFF),
});
/** Input that creates a Task. */
export type TaskInput = z.input<typeof taskInputSchema>;

/** Context of the Task machine. */
export interface TaskContext {
  created_at: number;
  depends_on: string[];
  gate_dependencies: string[];
  required_capabilities: string[];
  is_critical: boolean;
  max_retries: number;
  timeout_sec: number;
  expected_exit: number[];
  backoff: { base_ms: number; cap_ms: number };
  retry_count: number;
  worker_id: string | null;
  started_at: number | null;
  deadline_at: number | null;
  retry_at: number | null;
  completed_at: number | null;
  cancelled_at: number | null;
  blocked_by: string[];
  last_error: string | null;
  timeout_occurred: boolean;
}

const TASK_DONE = ['completed'];
const GATE_OK = ['PASSED'];

type Facts = { dependencies: Record<string, string>; gates: Record<string, string> };
function factsOf(e: TaskEvent): Facts {
  return { dependencies: 'dependencies' in e ? e.dependencies : {}, gates: 'gates' in e ? e.gates : {} };
}
/** SSOT §8.4.2: the gates of `gate_dependencies` that already exist must be PASSED. */
function existingGatesPassed(ctx: TaskContext, gates: Record<string, string>): boolean {
  return ctx.gate_dependencies.filter((g) => g in gates).every((g) => gates[g] === 'PASSED');
}
function satisfied(ctx: TaskContext, e: TaskEvent): boolean {
  const f = factsOf(e);
  return allIn(ctx.depends_on, f.dependencies, TASK_DONE) && existingGatesPassed(ctx, f.gates);
}
function errorOf(e: TaskEvent): string {
  if ('error' in e && e.error) return e.error;
  if (e.type === 'timeout_exceeded') return 'timeout exceeded';
  if ('exit_code' in e && e.exit_code != null) return `exit code ${e.exit_code}`;
  return e.reason ?? e.type;
}

/** The Task machine (SSOT §1.4, R-4, EXT-2). */
export const taskMachine = setup({
  types: {} as { context: TaskContext; events: TaskEvent; input: TaskInput },
  guards: {
    /** SSOT §1.4, §8.4.2: dependencies completed and existing gate dependencies PASSED. */
    dependenciesSatisfied: ({ context, event }) => satisfied(context, event),
    /** SSOT §1.4: some dependency is not satisfied. */
    dependenciesUnsatisfied: ({ context, event }) => !satisfied(context, event),
    /** EXT-2: a dependency task ended failed or cancelled, so this task can never run. */
    dependencyFailed: ({ context, event }) => someIn(context.depends_on, factsOf(event).dependencies, ['failed', 'cancelled']),
    /** SSOT §1.5.6: the worker has every required capability. */
    workerCapable: ({ context, event }) =>
      event.type === 'worker_started' && context.required_capabilities.every((c) => event.worker_capabilities.includes(c)),
    /** SSOT §1.4: the exit code is in the expected set (default [0]). */
    exitCodeExpected: ({ context, event }) => event.type === 'execution_completed' && context.expected_exit.includes(event.exit_code),
    /** SSOT §1.4.5 inv. 4: retry_count < max_retries; a failure marked `retryable: false` (program not found, prompt_file missing, budget exceeded: issue 15) is never retried (docs/engine-decisions.md). */
    canRetry: ({ context, event }) => context.retry_count < context.max_retries && !('retryable' in event && event.retryable === false),
    /** SSOT §1.4: the backoff period is over (retry_at ≤ now). */
    retryDue: ({ context, event }) => context.retry_at !== null && context.retry_at <= event.now,
    /** SSOT §3.1 rules 1 and 3: every gate dependency PASSED, and the ledger entry (if any) verified or committed. */
    gatesAndPatchOk: ({ context, event }) =>
      event.type === 'validation_passed' &&
      allIn(context.gate_dependencies, event.gates, GATE_OK) &&
      (event.ledger_state === null || event.ledger_state === 'verified' || event.ledger_state === 'committed'),
  },
  actions: {
    recordBlockers: assign({
      blocked_by: ({ context, event }) => {
        const f = factsOf(event);
        const gates = context.gate_dependencies.filter((g) => g in f.gates && f.gates[g] !== 'PASSED');
        return [...notIn(context.depends_on, f.dependencies, TASK_DONE), ...gates];
      },
    }),
    clearBlockers: assign({ blocked_by: () => [] }),
    startRun: assign({
      worker_id: ({ event }) => (event.type === 'worker_started' ? event.worker_id : null),
      started_at: ({ event }) => event.now,
      deadline_at: ({ context, event }) => event.now + context.timeout_sec * 1000,
      timeout_occurred: () => false,
    }),
    releaseWorker: assign({ worker_id: () => null, deadline_at: () => null }),
    scheduleRetry: assign({
      retry_count: ({ context }) => context.retry_count + 1,
      retry_at: ({ context, event }) =>
        event.now + backoffDelay(context.backoff, context.retry_count + 1, 'jitter' in event && event.jitter !== undefined ? event.jitter : 0.5),
      last_error: ({ event }) => errorOf(event),
      timeout_occurred: ({ event }) => event.type === 'timeout_exceeded',
    }),
    clearRetry: assign({ retry_at: () => null }),
    markFailed: assign({
      last_error: ({ event }) => errorOf(event),
      completed_at: ({ event }) => event.now,
      timeout_occurred: ({ event }) => event.type === 'timeout_exceeded',
    }),
    markCompleted: assign({ completed_at: ({ event }) => event.now }),
    markCancelled: assign({ cancelled_at: ({ event }) => event.now, retry_at: () => null, worker_id: () => null, deadline_at: () => null }),
  },
}).createMachine({
  id: 'task',
  initial: 'pending',
  context: ({ input }) => {
    const i = taskInputSchema.parse(input);
    return {
      created_at: i.now,
      depends_on: i.depends_on,
      gate_dependencies: i.gate_dependencies,
      required_capabilities: i.required_capabilities,
      is_critical: i.is_critical,
      max_retries: i.max_retries,
      timeout_sec: i.timeout_sec,
      expected_exit: i.expected_exit,
      backoff: i.backoff,
      retry_count: 0,
      worker_id: null,
      started_at: null,
      deadline_at: null,
      retry_at: null,
      completed_at: null,
      cancelled_at: null,
      blocked_by: [],
      last_error: null,
      timeout_occurred: false,
    };
  },
  states: {
    pending: {
      on: {
        scheduler_assigned: { target: 'queued', guard: 'dependenciesSatisfied', meta: ssot('§1.4, §8.4.2') },
        dependency_check_failed: { target: 'blocked', guard: 'dependenciesUnsatisfied', actions: 'recordBlockers', meta: ssot('§1.4') },
        user_cancelled: { target: 'cancelled', actions: 'markCancelled', meta: ext('EXT-2', 'R-3') },
        dependency_failed: { target: 'cancelled', guard: 'dependencyFailed', actions: 'markCancelled', meta: ext('EXT-2', 'R-3') },
      },
    },
    blocked: {
      on: {
        dependency_satisfied: { target: 'pending', guard: 'dependenciesSatisfied', actions: 'clearBlockers', meta: ssot('§1.4') },
        user_cancelled: { target: 'cancelled', actions: 'markCancelled', meta: ext('EXT-2', 'R-3') },
        dependency_failed: { target: 'cancelled', guard: 'dependencyFailed', actions: 'markCancelled', meta: ext('EXT-2', 'R-3') },
      },
    },
    queued: {
      on: {
        worker_started: { target: 'running', guard: 'workerCapable', actions: 'startRun', meta: ssot('§1.4') },
        user_cancelled: { target: 'cancelled', actions: 'markCancelled', meta: ext('EXT-2', 'R-3') },
        dependency_failed: { target: 'cancelled', guard: 'dependencyFailed', actions: 'markCancelled', meta: ext('EXT-2', 'R-3') },
      },
    },
    running: {
      on: {
        execution_completed: { target: 'validating', guard: 'exitCodeExpected', actions: 'releaseWorker', meta: ssot('§1.4') },
        execution_failed: [
          { target: 'retrying', guard: 'canRetry', actions: ['releaseWorker', 'scheduleRetry'], meta: ssot('§1.4') },
          { target: 'failed', actions: ['releaseWorker', 'markFailed'], meta: ssot('§1.4') },
        ],
        // a timeout is a failed attempt, retried while retries remain.
        timeout_exceeded: [
          { target: 'retrying', guard: 'canRetry', actions: ['releaseWorker', 'scheduleRetry'], meta: ssot('§1.4, R-4') },
          { target: 'failed', actions: ['releaseWorker', 'markFailed'], meta: ssot('§1.4, R-4') },
        ],
        user_cancelled: { target: 'cancelled', actions: 'markCancelled', meta: ssot('§1.4') },
      },
    },
    retrying: {
      on: {
        retry_delay_elapsed: { target: 'queued', guard: 'retryDue', actions: 'clearRetry', meta: ssot('§1.4') },
        user_cancelled: { target: 'cancelled', actions: 'markCancelled', meta: ext('EXT-2', 'R-3') },
        dependency_failed: { target: 'cancelled', guard: 'dependencyFailed', actions: 'markCancelled', meta: ext('EXT-2', 'R-3') },
      },
    },
    validating: {
      on: {
        validation_passed: { target: 'completed', guard: 'gatesAndPatchOk', actions: 'markCompleted', meta: ssot('§1.4, §3.1') },
        validation_failed: { target: 'failed', actions: 'markFailed', meta: ssot('§1.4') },
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final', tags: [FAILURE_TAG] },
    cancelled: { type: 'final' },
  },
});
