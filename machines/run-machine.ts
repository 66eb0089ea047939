import { assign, setup } from 'xstate';
import { z } from 'zod';
import { FAILURE_TAG, stateKinds } from './state-kinds.js';
import { workstreamMachine } from './workstream-machine.js';
import { ssot } from './edge-meta.js';
import { childFactSchema, nowSchema, reasonSchema, type ChildFact } from './schema-parts.js';

/** States of the Run machine (SSOT §1.2); note the single-l `canceled`. */
export const RUN_STATES = ['pending', 'running', 'succeeded', 'failed', 'canceled'] as const;
/** A Run state. */
export type RunState = (typeof RUN_STATES)[number];

const workstreams = z.array(childFactSchema);

/** zod schemas of the Run's events, by type. */
export const runEventSchemas = {
  start: z.object({ type: z.literal('start'), now: nowSchema }),
  all_workstreams_done: z.object({ type: z.literal('all_workstreams_done'), now: nowSchema, workstreams }),
  critical_workstream_failed: z.object({ type: z.literal('critical_workstream_failed'), now: nowSchema, workstreams }),
  workstreams_settled: z.object({ type: z.literal('workstreams_settled'), now: nowSchema, workstreams }),
  cancel: z.object({ type: z.literal('cancel'), now: nowSchema, reason: reasonSchema }),
} as const;

/** An event the Run accepts. */
export type RunEvent = z.infer<(typeof runEventSchemas)[keyof typeof runEventSchemas]>;

/** Input that creates a Run. */
export const runInputSchema = z.object({ now: nowSchema });
/** Input that creates a Run. */
export type RunInput = z.input<typeof runInputSchema>;

/** Context of the Run machine. */
export interface RunContext {
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
}

/** The Workstream's terminal states, read from its definition. */
const WS_TERMINAL: readonly string[] = stateKinds(workstreamMachine).final;
const WS_SUCCESS = ['completed', 'skipped'];

function facts(event: RunEvent): ChildFact[] {
  return 'workstreams' in event ? event.workstreams : [];
}

/** SSOT §3.3: the run's workstreams are given (a run has at least one) and every one is completed or skipped. */
function allDone(event: RunEvent): boolean {
  return facts(event).length > 0 && facts(event).every((w) => WS_SUCCESS.includes(w.state));
}

/** The Run machine (SSOT §1.2, R-1, R-2). */
export const runMachine = setup({
  types: {} as { context: RunContext; events: RunEvent; input: RunInput },
  guards: {
    /** SSOT §3.3: the run succeeds when every workstream is completed or skipped. */
    allWorkstreamsDone: ({ event }) => allDone(event),
    /** SSOT §3.3: a critical workstream failed. */
    criticalWorkstreamFailed: ({ event }) => facts(event).some((w) => w.critical && w.state === 'failed'),
    /** every workstream is terminal and the success condition does not hold. */
    workstreamsSettled: ({ event }) => facts(event).length > 0 && facts(event).every((w) => WS_TERMINAL.includes(w.state)) && !allDone(event),
  },
  actions: {
    markStarted: assign({ started_at: ({ event }) => event.now }),
    markCompleted: assign({ completed_at: ({ event }) => event.now }),
  },
}).createMachine({
  id: 'run',
  initial: 'pending',
  context: ({ input }) => ({ created_at: runInputSchema.parse(input).now, started_at: null, completed_at: null }),
  states: {
    pending: {
      on: {
        start: { target: 'running', actions: 'markStarted', meta: ssot('§1.2') },
        // canceled before start keeps started_at null.
        cancel: { target: 'canceled', actions: 'markCompleted', meta: ssot('§1.2') },
      },
    },
    running: {
      on: {
        all_workstreams_done: { target: 'succeeded', guard: 'allWorkstreamsDone', actions: 'markCompleted', meta: ssot('§1.2, §3.3') },
        critical_workstream_failed: { target: 'failed', guard: 'criticalWorkstreamFailed', actions: 'markCompleted', meta: ssot('§1.2, §3.3') },
        workstreams_settled: { target: 'failed', guard: 'workstreamsSettled', actions: 'markCompleted', meta: ssot('R-1') },
        cancel: { target: 'canceled', actions: 'markCompleted', meta: ssot('§1.2') },
      },
    },
    succeeded: { type: 'final' },
    failed: { type: 'final', tags: [FAILURE_TAG] },
    canceled: { type: 'final' },
  },
});
