import { assign, setup } from 'xstate';
import { z } from 'zod';
import { FAILURE_TAG } from './state-kinds.js';
import { allIn, someIn } from './dependency-facts.js';
import { ext, internal, ssot } from './edge-meta.js';
import { nowSchema, OPERATOR_NAME_PATTERN, REASON_MAX_LENGTH, reasonSchema, stateMapSchema } from './schema-parts.js';

/** States of the Test gate machine (SSOT §2.3); upper case as in the SSOT. */
export const TEST_GATE_STATES = ['PENDING', 'RUNNING', 'PASSED', 'FAILED', 'BLOCKED'] as const;
/** A Test gate state. */
export type TestGateState = (typeof TEST_GATE_STATES)[number];

/**
 * Gate types and their blocking priority (SSOT §2.3). `MANUAL` (issue 15, EXT-6) runs no command: it passes or fails
 * when one of its approvers approves or rejects it (`gantry approve` / `gantry reject`).
 */
export const GATE_PRIORITY = { LINT: 'medium', UNIT: 'high', INTEGRATION: 'high', SECURITY: 'critical', MANUAL: 'high' } as const;
/** A gate type. */
export type GateType = keyof typeof GATE_PRIORITY;

/** Exit code recorded for a gate killed by its deadline (as `timeout(1)` does). */
export const GATE_TIMEOUT_EXIT_CODE = 124;

const base = { now: nowSchema, reason: reasonSchema };
const result = { ...base, exit_code: z.number().int(), duration_ms: z.number().int().nonnegative().optional() };
/** An operator's name, as `gantry operator add` accepts it. */
const operatorSchema = z.string().regex(OPERATOR_NAME_PATTERN, 'an operator name');
/** EXT-6: an operator's decision on a manual gate; the reason is required (it is the approval's audit). */
const decision = { now: nowSchema, operator: operatorSchema, reason: z.string().min(1).max(REASON_MAX_LENGTH) };

/** zod schemas of the Test gate's events, by type. Output (stdout/stderr) goes to the gate row, not the snapshot. */
export const testGateEventSchemas = {
  start: z.object({ type: z.literal('start'), ...base, dependencies: stateMapSchema.default({}) }),
  dependency_failed: z.object({ type: z.literal('dependency_failed'), ...base, dependencies: stateMapSchema }),
  dependency_passed: z.object({ type: z.literal('dependency_passed'), ...base, dependencies: stateMapSchema }),
  command_succeeded: z.object({ type: z.literal('command_succeeded'), ...result }),
  command_failed: z.object({ type: z.literal('command_failed'), ...result }),
  timeout_exceeded: z.object({ type: z.literal('timeout_exceeded'), ...base }),
  /** the engine died while the gate ran; its command runs again from `now` (a full timeout). */
  restarted: z.object({ type: z.literal('restarted'), ...base }),
  /** EXT-6: one of a manual gate's approvers approves it (`gantry approve`). */
  approved: z.object({ type: z.literal('approved'), ...decision }),
  /** EXT-6: one of a manual gate's approvers rejects it (`gantry reject`). */
  rejected: z.object({ type: z.literal('rejected'), ...decision }),
  /**
   * EXT-9: a manual gate nobody needs to decide any more — its task attempt failed at another gate, or was ended —
   * is closed by the engine; the reason (required) says why.
   */
  abandoned: z.object({ type: z.literal('abandoned'), ...base, reason: z.string().min(1).max(REASON_MAX_LENGTH) }),
} as const;

/** An event the Test gate accepts. */
export type TestGateEvent = z.infer<(typeof testGateEventSchemas)[keyof typeof testGateEventSchemas]>;

/** Input that creates a Test gate. */
export const testGateInputSchema = z.object({
  now: nowSchema,
  gate_type: z.enum(['LINT', 'UNIT', 'INTEGRATION', 'SECURITY', 'MANUAL']),
  depends_on: z.array(z.string()).default([]),
  /** EXT-6: the operators who may approve or reject the gate (a `MANUAL` gate's; none for the others). */
  approvers: z.array(operatorSchema).default([]),
  expected_exit: z.number().int().default(0),
  timeout_sec: z.number().int().positive().default(600),
});
/** Input that creates a Test gate. */
export type TestGateInput = z.input<typeof testGateInputSchema>;

/** Context of the Test gate machine. */
export interface TestGateContext {
  created_at: number;
  gate_type: GateType;
  depends_on: string[];
  expected_exit: number;
  timeout_sec: number;
  /** EXT-6: who may decide the gate (`approved` / `rejected`); empty: nobody. */
  approvers: string[];
  started_at: number | null;
  completed_at: number | null;
  exit_code: number | null;
  duration_ms: number | null;
  timed_out: boolean;
}

function deps(e: TestGateEvent): Record<string, string> {
  return 'dependencies' in e ? e.dependencies : {};
}

/** The Test gate machine (SSOT §2.3). */
export const testGateMachine = setup({
  types: {} as { context: TestGateContext; events: TestGateEvent; input: TestGateInput },
  guards: {
    /** SSOT §2.3: every depends_on gate PASSED. */
    dependenciesPassed: ({ context, event }) => allIn(context.depends_on, deps(event), ['PASSED']),
    /**
     * SSOT §2.3: a depends_on gate FAILED. A dependency that is itself BLOCKED counts too: otherwise a gate two
     * steps behind a failure would wait in PENDING forever (a gap of the SSOT, resolved like R-3).
     */
    dependencyFailed: ({ context, event }) => someIn(context.depends_on, deps(event), ['FAILED', 'BLOCKED']),
    /** SSOT §2.3: exit code equals the expected code. */
    exitExpected: ({ context, event }) => 'exit_code' in event && event.exit_code === context.expected_exit,
    /** SSOT §2.3: exit code differs from the expected code. */
    exitUnexpected: ({ context, event }) => 'exit_code' in event && event.exit_code !== context.expected_exit,
    /** SSOT §2.3: ran longer than timeout_sec. */
    deadlinePassed: ({ context, event }) => context.started_at !== null && event.now - context.started_at > context.timeout_sec * 1000,
    /** EXT-6: the operator deciding the gate is one of its approvers. */
    isApprover: ({ context, event }) => 'operator' in event && context.approvers.includes(event.operator),
    /** EXT-9: only a manual gate is abandoned (a command gate's outcome is its command's). */
    isManual: ({ context }) => context.gate_type === 'MANUAL',
  },
  actions: {
    markStarted: assign({ started_at: ({ event }) => event.now }),
    record: assign({
      completed_at: ({ event }) => event.now,
      exit_code: ({ event }) => ('exit_code' in event ? event.exit_code : null),
      duration_ms: ({ context, event }) =>
        'duration_ms' in event && event.duration_ms !== undefined ? event.duration_ms : event.now - (context.started_at ?? event.now),
    }),
    recordTimeout: assign({
      completed_at: ({ event }) => event.now,
      exit_code: () => GATE_TIMEOUT_EXIT_CODE,
      duration_ms: ({ context, event }) => event.now - (context.started_at ?? event.now),
      timed_out: () => true,
    }),
    /** EXT-6: an approval records the expected exit code (what PASSED means), a rejection (or EXT-9 abandonment) exit code 1 (0 when 1 is expected). */
    recordDecision: assign({
      completed_at: ({ event }) => event.now,
      exit_code: ({ context, event }) => (event.type === 'approved' ? context.expected_exit : context.expected_exit === 1 ? 0 : 1),
      duration_ms: ({ context, event }) => event.now - (context.started_at ?? event.now),
    }),
  },
}).createMachine({
  id: 'test_gate',
  initial: 'PENDING',
  context: ({ input }) => {
    const i = testGateInputSchema.parse(input);
    return {
      created_at: i.now,
      gate_type: i.gate_type,
      depends_on: i.depends_on,
      expected_exit: i.expected_exit,
      timeout_sec: i.timeout_sec,
      approvers: i.approvers,
      started_at: null,
      completed_at: null,
      exit_code: null,
      duration_ms: null,
      timed_out: false,
    };
  },
  states: {
    PENDING: {
      on: {
        start: { target: 'RUNNING', guard: 'dependenciesPassed', actions: 'markStarted', meta: ssot('§2.3') },
        dependency_failed: { target: 'BLOCKED', guard: 'dependencyFailed', meta: ssot('§2.3') },
      },
    },
    BLOCKED: {
      on: { dependency_passed: { target: 'PENDING', guard: 'dependenciesPassed', meta: ssot('§2.3') } },
    },
    RUNNING: {
      on: {
        command_succeeded: { target: 'PASSED', guard: 'exitExpected', actions: 'record', meta: ssot('§2.3') },
        command_failed: { target: 'FAILED', guard: 'exitUnexpected', actions: 'record', meta: ssot('§2.3') },
        timeout_exceeded: { target: 'FAILED', guard: 'deadlinePassed', actions: 'recordTimeout', meta: ssot('§2.3') },
        // a gate whose process was lost with the engine is run again, not failed; its deadline counts from here.
        restarted: { actions: 'markStarted', meta: internal('R-8') },
        // EXT-6: a manual gate waits here, running nothing, until one of its approvers decides it.
        approved: { target: 'PASSED', guard: 'isApprover', actions: 'recordDecision', meta: ext('EXT-6', '§2.3') },
        rejected: { target: 'FAILED', guard: 'isApprover', actions: 'recordDecision', meta: ext('EXT-6', '§2.3') },
        // EXT-9: its task attempt no longer waits for it: closed as not passed, recorded like a rejection.
        abandoned: { target: 'FAILED', guard: 'isManual', actions: 'recordDecision', meta: ext('EXT-9', '§2.3') },
      },
    },
    PASSED: { type: 'final' },
    FAILED: { type: 'final', tags: [FAILURE_TAG] },
  },
});
