import { assign, setup } from 'xstate';
import { z } from 'zod';
import { internal, ssot } from './edge-meta.js';
import { errorTextSchema, idSchema, nowSchema, reasonSchema } from './schema-parts.js';

/** States of the UET worker machine (SSOT §2.1); upper case as in the SSOT. */
export const UET_WORKER_STATES = ['SPAWNING', 'IDLE', 'BUSY', 'DRAINING', 'TERMINATED'] as const;
/** A UET worker state. */
export type UetWorkerState = (typeof UET_WORKER_STATES)[number];

const base = { now: nowSchema, reason: reasonSchema };

/** zod schemas of the UET worker's events, by type. */
export const uetWorkerEventSchemas = {
  spawn_complete: z.object({ type: z.literal('spawn_complete'), ...base }),
  spawn_failed: z.object({ type: z.literal('spawn_failed'), ...base, error: errorTextSchema.optional() }),
  task_assigned: z.object({ type: z.literal('task_assigned'), ...base, task_id: idSchema }),
  task_completed: z.object({ type: z.literal('task_completed'), ...base, task_id: idSchema }),
  shutdown_requested: z.object({ type: z.literal('shutdown_requested'), ...base }),
  crashed: z.object({ type: z.literal('crashed'), ...base, error: errorTextSchema.optional() }),
  drain_complete: z.object({ type: z.literal('drain_complete'), ...base }),
  heartbeat: z.object({ type: z.literal('heartbeat'), ...base }),
} as const;

/** An event the UET worker accepts. */
export type UetWorkerEvent = z.infer<(typeof uetWorkerEventSchemas)[keyof typeof uetWorkerEventSchemas]>;

/** Input that creates a UET worker. */
export const uetWorkerInputSchema = z.object({ now: nowSchema, affinity: z.array(z.string()).default([]) });
/** Input that creates a UET worker. */
export type UetWorkerInput = z.input<typeof uetWorkerInputSchema>;

/** Context of the UET worker machine. */
export interface UetWorkerContext {
  created_at: number;
  affinity: string[];
  current_task: string | null;
  last_heartbeat: number | null;
  terminated_at: number | null;
  crashed: boolean;
  last_error: string | null;
}

/** SSOT §2.1: heartbeats a UET worker may miss; one more silent interval and it is terminated ("heartbeat lost"). */
export const UET_MISSED_HEARTBEATS = 2;

/**
 * Whether a UET worker has missed {@link UET_MISSED_HEARTBEATS} heartbeats of `intervalMs` by `now` (SSOT §2.1):
 * then it ends `TERMINATED` — `crashed` from BUSY, `shutdown_requested` from IDLE — with reason "heartbeat lost".
 */
export function uetHeartbeatLost(ctx: Pick<UetWorkerContext, 'last_heartbeat'>, now: number, intervalMs: number): boolean {
  return ctx.last_heartbeat === null || now - ctx.last_heartbeat > UET_MISSED_HEARTBEATS * intervalMs;
}

/** The UET worker machine (SSOT §2.1). */
export const uetWorkerMachine = setup({
  types: {} as { context: UetWorkerContext; events: UetWorkerEvent; input: UetWorkerInput },
  guards: {
    /** SSOT §2.1: the finishing task is the one this worker holds. */
    holdsTask: ({ context, event }) => event.type === 'task_completed' && context.current_task === event.task_id,
  },
  actions: {
    beat: assign({ last_heartbeat: ({ event }) => event.now }),
    take: assign({ current_task: ({ event }) => (event.type === 'task_assigned' ? event.task_id : null) }),
    release: assign({ current_task: () => null }),
    terminate: assign({
      terminated_at: ({ event }) => event.now,
      crashed: ({ event }) => event.type === 'crashed',
      last_error: ({ event }) => ('error' in event && event.error ? event.error : (event.reason ?? null)),
    }),
  },
}).createMachine({
  id: 'uet_worker',
  initial: 'SPAWNING',
  context: ({ input }) => {
    const i = uetWorkerInputSchema.parse(input);
    return { created_at: i.now, affinity: i.affinity, current_task: null, last_heartbeat: null, terminated_at: null, crashed: false, last_error: null };
  },
  states: {
    SPAWNING: {
      on: {
        spawn_complete: { target: 'IDLE', actions: 'beat', meta: ssot('§2.1') },
        spawn_failed: { target: 'TERMINATED', actions: 'terminate', meta: ssot('§2.1') },
      },
    },
    IDLE: {
      on: {
        task_assigned: { target: 'BUSY', actions: 'take', meta: ssot('§2.1') },
        // SSOT §2.1: 2 missed heartbeats in IDLE end the worker with reason "heartbeat lost".
        shutdown_requested: { target: 'TERMINATED', actions: 'terminate', meta: ssot('§2.1') },
        heartbeat: { actions: 'beat', meta: internal('§2.1') },
      },
    },
    BUSY: {
      on: {
        task_completed: { target: 'IDLE', guard: 'holdsTask', actions: 'release', meta: ssot('§2.1') },
        shutdown_requested: { target: 'DRAINING', meta: ssot('§2.1') },
        crashed: { target: 'TERMINATED', actions: 'terminate', meta: ssot('§2.1') },
        heartbeat: { actions: 'beat', meta: internal('§2.1') },
      },
    },
    DRAINING: {
      on: { drain_complete: { target: 'TERMINATED', actions: ['release', 'terminate'], meta: ssot('§2.1') } },
    },
    TERMINATED: { type: 'final' },
  },
});
