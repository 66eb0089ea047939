import { assign, setup } from 'xstate';
import { z } from 'zod';
import { FAILURE_TAG } from './state-kinds.js';
import { internal, ssot } from './edge-meta.js';
import { errorTextSchema, nowSchema, reasonSchema } from './schema-parts.js';

/** States of the Circuit breaker machine (SSOT §2.4). */
export const CIRCUIT_BREAKER_STATES = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
/** A Circuit breaker state. */
export type CircuitBreakerState = (typeof CIRCUIT_BREAKER_STATES)[number];

/** Per-tool breaker settings; defaults of SSOT §2.4: 5 failures, 60 s cooldown, 1 success. */
export const breakerConfigSchema = z.object({
  failure_threshold: z.number().int().positive().default(5),
  cooldown_seconds: z.number().nonnegative().default(60),
  success_threshold: z.number().int().positive().default(1),
});
/** Per-tool breaker settings. */
export type BreakerConfig = z.infer<typeof breakerConfigSchema>;

const base = { now: nowSchema, reason: reasonSchema };

/** zod schemas of the Circuit breaker's events, by type. */
export const circuitBreakerEventSchemas = {
  call_failed: z.object({ type: z.literal('call_failed'), ...base, error: errorTextSchema.optional() }),
  call_succeeded: z.object({ type: z.literal('call_succeeded'), ...base }),
  cooldown_elapsed: z.object({ type: z.literal('cooldown_elapsed'), ...base }),
} as const;

/** An event the Circuit breaker accepts. */
export type CircuitBreakerEvent = z.infer<(typeof circuitBreakerEventSchemas)[keyof typeof circuitBreakerEventSchemas]>;

/** Input that creates a Circuit breaker. */
export const circuitBreakerInputSchema = breakerConfigSchema.extend({ now: nowSchema });
/** Input that creates a Circuit breaker. */
export type CircuitBreakerInput = z.input<typeof circuitBreakerInputSchema>;

/** Context of the Circuit breaker machine. */
export interface CircuitBreakerContext extends BreakerConfig {
  created_at: number;
  failure_count: number;
  success_count: number;
  opened_at: number | null;
  last_error: string | null;
}

/** Milliseconds left before an OPEN breaker may half-open (0 when due); OPEN rejects calls saying this. */
export function cooldownRemainingMs(ctx: CircuitBreakerContext, now: number): number {
  if (ctx.opened_at === null) return 0;
  return Math.max(0, ctx.opened_at + ctx.cooldown_seconds * 1000 - now);
}

/** The Circuit breaker machine (SSOT §2.4). */
export const circuitBreakerMachine = setup({
  types: {} as { context: CircuitBreakerContext; events: CircuitBreakerEvent; input: CircuitBreakerInput },
  guards: {
    /** SSOT §2.4: this failure makes the count reach failure_threshold. */
    thresholdReached: ({ context }) => context.failure_count + 1 >= context.failure_threshold,
    /** SSOT §2.4: cooldown_seconds have passed since opening. */
    cooldownOver: ({ context, event }) => context.opened_at !== null && cooldownRemainingMs(context, event.now) === 0,
    /** SSOT §2.4: this success makes half-open successes reach success_threshold. */
    successThresholdReached: ({ context }) => context.success_count + 1 >= context.success_threshold,
  },
  actions: {
    countFailure: assign({
      failure_count: ({ context }) => context.failure_count + 1,
      last_error: ({ event }) => ('error' in event && event.error ? event.error : null),
    }),
    resetFailures: assign({ failure_count: () => 0 }),
    open: assign({
      failure_count: ({ context }) => context.failure_count + 1,
      success_count: () => 0,
      opened_at: ({ event }) => event.now,
      last_error: ({ event }) => ('error' in event && event.error ? event.error : null),
    }),
    // SSOT §2.4: a failed half-open trial restarts the cooldown; the failure count stays where it opened.
    reopen: assign({
      success_count: () => 0,
      opened_at: ({ event }) => event.now,
      last_error: ({ event }) => ('error' in event && event.error ? event.error : null),
    }),
    halfOpen: assign({ success_count: () => 0 }),
    countSuccess: assign({ success_count: ({ context }) => context.success_count + 1 }),
    close: assign({ failure_count: () => 0, success_count: () => 0, opened_at: () => null }),
  },
}).createMachine({
  id: 'circuit_breaker',
  initial: 'CLOSED',
  context: ({ input }) => {
    const i = circuitBreakerInputSchema.parse(input);
    return {
      created_at: i.now,
      failure_threshold: i.failure_threshold,
      cooldown_seconds: i.cooldown_seconds,
      success_threshold: i.success_threshold,
      failure_count: 0,
      success_count: 0,
      opened_at: null,
      last_error: null,
    };
  },
  states: {
    CLOSED: {
      on: {
        call_failed: [
          { target: 'OPEN', guard: 'thresholdReached', actions: 'open', meta: ssot('§2.4') },
          { actions: 'countFailure', meta: internal('§2.4') },
        ],
        call_succeeded: { actions: 'resetFailures', meta: internal('§2.4') },
      },
    },
    OPEN: {
      tags: [FAILURE_TAG],
      on: { cooldown_elapsed: { target: 'HALF_OPEN', guard: 'cooldownOver', actions: 'halfOpen', meta: ssot('§2.4') } },
    },
    HALF_OPEN: {
      on: {
        call_succeeded: [
          { target: 'CLOSED', guard: 'successThresholdReached', actions: 'close', meta: ssot('§2.4') },
          { actions: 'countSuccess', meta: internal('§2.4') },
        ],
        // SSOT §2.4: a failed trial reopens the breaker and restarts the cooldown.
        call_failed: { target: 'OPEN', actions: 'reopen', meta: ssot('§2.4') },
      },
    },
  },
});
