import { assign, setup } from 'xstate';
import { z } from 'zod';
import { FAILURE_TAG } from './state-kinds.js';
import { internal, ssot } from './edge-meta.js';
import { idSchema, nowSchema, reasonSchema } from './schema-parts.js';

/** States of the orchestration Worker machine (SSOT §1.5). */
export const WORKER_STATES = ['initializing', 'idle', 'busy', 'unresponsive', 'shutdown'] as const;
/** A Worker state. */
export type WorkerState = (typeof WORKER_STATES)[number];

/** SSOT §1.5: two missed 60 s heartbeats, i.e. no heartbeat for more than 120 s. */
export const HEARTBEAT_TIMEOUT_MS = 120_000;
/** SSOT §1.5: an unresponsive worker is shut down after more than 300 s. */
export const RECOVERY_TIMEOUT_MS = 300_000;

const base = { now: nowSchema, reason: reasonSchema };

/** zod schemas of the Worker's events, by type. */
export const workerEventSchemas = {
  registration_complete: z.object({ type: z.literal('registration_complete'), ...base, capabilities: z.array(z.string().min(1)) }),
  task_assigned: z.object({
    type: z.literal('task_assigned'),
    ...base,
    task_id: idSchema,
    workstream_id: idSchema,
    required_capabilities: z.array(z.string()).default([]),
  }),
  task_completed: z.object({ type: z.literal('task_completed'), ...base, task_id: idSchema }),
  heartbeat: z.object({ type: z.literal('heartbeat'), ...base }),
  heartbeat_timeout: z.object({ type: z.literal('heartbeat_timeout'), ...base }),
  heartbeat_recovered: z.object({ type: z.literal('heartbeat_recovered'), ...base }),
  recovery_timeout: z.object({ type: z.literal('recovery_timeout'), ...base }),
  shutdown_requested: z.object({ type: z.literal('shutdown_requested'), ...base }),
} as const;

/** An event the Worker accepts. */
export type WorkerEvent = z.infer<(typeof workerEventSchemas)[keyof typeof workerEventSchemas]>;

/** Input that creates a Worker. */
export const workerInputSchema = z.object({
  now: nowSchema,
  max_concurrent_tasks: z.number().int().positive().default(1),
  affinity: z.array(z.string()).default([]),
  /** Silence after which `heartbeat_timeout` is allowed (2 missed beats); default {@link HEARTBEAT_TIMEOUT_MS}. */
  heartbeat_timeout_ms: z.number().int().positive().default(HEARTBEAT_TIMEOUT_MS),
  /** Recovery window of an unresponsive worker; default {@link RECOVERY_TIMEOUT_MS}. */
  recovery_timeout_ms: z.number().int().positive().default(RECOVERY_TIMEOUT_MS),
});
/** Input that creates a Worker. */
export type WorkerInput = z.input<typeof workerInputSchema>;

/** Context of the Worker machine. */
export interface WorkerContext {
  created_at: number;
  capabilities: string[];
  max_concurrent_tasks: number;
  affinity: string[];
  /** SSOT §1.5 (2 × the heartbeat interval); absent in snapshots written before it existed (then 120 s). */
  heartbeat_timeout_ms?: number;
  /** SSOT §1.5 recovery window; absent in older snapshots (then 300 s). */
  recovery_timeout_ms?: number;
  current_load: number;
  current_tasks: string[];
  released_tasks: string[];
  last_heartbeat: number | null;
  unresponsive_since: number | null;
  shutdown_at: number | null;
}

/** SSOT §1.5.6 can-assign rule, R-5 and R-6: fresh heartbeat, spare capacity, capabilities, affinity. */
export function canAssign(ctx: WorkerContext, e: WorkerEvent): boolean {
  if (e.type !== 'task_assigned') return false;
  const fresh = ctx.last_heartbeat !== null && e.now - ctx.last_heartbeat <= heartbeatTimeoutOf(ctx);
  const capable = e.required_capabilities.every((c) => ctx.capabilities.includes(c));
  const affine = ctx.affinity.length === 0 || ctx.affinity.includes(e.workstream_id);
  return fresh && ctx.current_load < ctx.max_concurrent_tasks && capable && affine && !ctx.current_tasks.includes(e.task_id);
}

/** The worker's heartbeat timeout (its input, default 120 s, SSOT §1.5). */
export function heartbeatTimeoutOf(ctx: Pick<WorkerContext, 'heartbeat_timeout_ms'>): number {
  return ctx.heartbeat_timeout_ms ?? HEARTBEAT_TIMEOUT_MS;
}

/** The worker's recovery window (its input, default 300 s, SSOT §1.5). */
export function recoveryTimeoutOf(ctx: Pick<WorkerContext, 'recovery_timeout_ms'>): number {
  return ctx.recovery_timeout_ms ?? RECOVERY_TIMEOUT_MS;
}

function holds(ctx: WorkerContext, e: WorkerEvent): boolean {
  return e.type === 'task_completed' && ctx.current_tasks.includes(e.task_id);
}

/** The orchestration Worker machine (SSOT §1.5, R-5, R-6). */
export const workerMachine = setup({
  types: {} as { context: WorkerContext; events: WorkerEvent; input: WorkerInput },
  guards: {
    /** SSOT §1.5.6: the worker may take this task. */
    canAssign: ({ context, event }) => canAssign(context, event),
    /** SSOT §1.5: the finishing task is the last one assigned (load back to 0). */
    lastTaskCompleted: ({ context, event }) => holds(context, event) && context.current_load === 1,
    /** one of several assigned tasks finished. */
    oneTaskCompleted: ({ context, event }) => holds(context, event) && context.current_load > 1,
    /** SSOT §1.5: no heartbeat for more than 120 s (2 missed). */
    heartbeatMissed: ({ context, event }) => context.last_heartbeat === null || event.now - context.last_heartbeat > heartbeatTimeoutOf(context),
    /** SSOT §1.5: a heartbeat arrived within the 300 s recovery window. */
    withinRecoveryWindow: ({ context, event }) => context.unresponsive_since !== null && event.now - context.unresponsive_since <= recoveryTimeoutOf(context),
    /** SSOT §1.5: unresponsive for more than 300 s. */
    recoveryWindowOver: ({ context, event }) => context.unresponsive_since !== null && event.now - context.unresponsive_since > recoveryTimeoutOf(context),
  },
  actions: {
    register: assign({
      capabilities: ({ event }) => (event.type === 'registration_complete' ? [...new Set(event.capabilities)] : []),
      last_heartbeat: ({ event }) => event.now,
    }),
    take: assign({
      current_load: ({ context }) => context.current_load + 1,
      current_tasks: ({ context, event }) => (event.type === 'task_assigned' ? [...context.current_tasks, event.task_id] : context.current_tasks),
    }),
    release: assign({
      current_load: ({ context }) => context.current_load - 1,
      current_tasks: ({ context, event }) => context.current_tasks.filter((t) => event.type !== 'task_completed' || t !== event.task_id),
    }),
    beat: assign({ last_heartbeat: ({ event }) => event.now }),
    // SSOT §1.5.7: a dead worker's tasks are released; the engine fails them (execution_failed) and they retry.
    goUnresponsive: assign({
      unresponsive_since: ({ event }) => event.now,
      released_tasks: ({ context }) => context.current_tasks,
      current_tasks: () => [],
      current_load: () => 0,
    }),
    recover: assign({ unresponsive_since: () => null, last_heartbeat: ({ event }) => event.now }),
    stop: assign({ shutdown_at: ({ event }) => event.now }),
    stopAndRelease: assign({
      shutdown_at: ({ event }) => event.now,
      released_tasks: ({ context }) => [...context.released_tasks, ...context.current_tasks],
      current_tasks: () => [],
      current_load: () => 0,
    }),
  },
}).createMachine({
  id: 'worker',
  initial: 'initializing',
  context: ({ input }) => {
    const i = workerInputSchema.parse(input);
    return {
      created_at: i.now,
      capabilities: [],
      max_concurrent_tasks: i.max_concurrent_tasks,
      affinity: i.affinity,
      heartbeat_timeout_ms: i.heartbeat_timeout_ms,
      recovery_timeout_ms: i.recovery_timeout_ms,
      current_load: 0,
      current_tasks: [],
      released_tasks: [],
      last_heartbeat: null,
      unresponsive_since: null,
      shutdown_at: null,
    };
  },
  states: {
    initializing: {
      on: { registration_complete: { target: 'idle', actions: 'register', meta: ssot('§1.5') } },
    },
    idle: {
      on: {
        task_assigned: { target: 'busy', guard: 'canAssign', actions: 'take', meta: ssot('§1.5, §1.5.6') },
        shutdown_requested: { target: 'shutdown', actions: 'stop', meta: ssot('§1.5, R-6') },
        heartbeat: { actions: 'beat', meta: internal('§1.5') },
      },
    },
    busy: {
      on: {
        task_completed: [
          { target: 'idle', guard: 'lastTaskCompleted', actions: 'release', meta: ssot('§1.5') },
          { guard: 'oneTaskCompleted', actions: 'release', meta: internal('R-5') },
        ],
        heartbeat_timeout: { target: 'unresponsive', guard: 'heartbeatMissed', actions: 'goUnresponsive', meta: ssot('§1.5') },
        shutdown_requested: { target: 'shutdown', actions: 'stopAndRelease', meta: ssot('§1.5') },
        task_assigned: { guard: 'canAssign', actions: 'take', meta: internal('R-5') },
        heartbeat: { actions: 'beat', meta: internal('§1.5') },
      },
    },
    unresponsive: {
      tags: [FAILURE_TAG],
      on: {
        heartbeat_recovered: { target: 'idle', guard: 'withinRecoveryWindow', actions: 'recover', meta: ssot('§1.5') },
        recovery_timeout: { target: 'shutdown', guard: 'recoveryWindowOver', actions: 'stop', meta: ssot('§1.5') },
        heartbeat: { actions: 'beat', meta: internal('§1.5') },
      },
    },
    shutdown: { type: 'final' },
  },
});
