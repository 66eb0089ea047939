import { assign, setup } from 'xstate';
import { z } from 'zod';
import { FAILURE_TAG } from './state-kinds.js';
import { ext, ssot } from './edge-meta.js';
import { COMMIT_SHA_PATTERN, errorTextSchema, nowSchema, OPERATOR_NAME_PATTERN, REASON_MAX_LENGTH, reasonSchema, stateMapSchema } from './schema-parts.js';

/** States of the Patch ledger machine (SSOT §2.2). */
export const PATCH_LEDGER_STATES = ['created', 'validated', 'queued', 'applied', 'apply_failed', 'verified', 'committed', 'rolled_back', 'quarantined', 'dropped'] as const;
/** A Patch ledger state. */
export type PatchLedgerState = (typeof PATCH_LEDGER_STATES)[number];

/** SSOT §2.2.7, §8.1.2: at most three apply attempts. */
export const MAX_APPLY_ATTEMPTS = 3;

const base = { now: nowSchema, reason: reasonSchema };
const mustReason = { now: nowSchema, reason: z.string().min(1).max(REASON_MAX_LENGTH) };

/** zod schemas of the Patch ledger's events, by type. */
export const patchLedgerEventSchemas = {
  validation_passed: z.object({ type: z.literal('validation_passed'), ...base, format: z.boolean(), scope: z.boolean(), constraints: z.boolean() }),
  validation_failed: z.object({ type: z.literal('validation_failed'), ...mustReason, checks: z.record(z.string(), z.boolean()).optional() }),
  accepted: z.object({ type: z.literal('accepted'), ...base, policy_allowed: z.boolean() }),
  policy_violation: z.object({ type: z.literal('policy_violation'), ...mustReason }),
  apply_succeeded: z.object({ type: z.literal('apply_succeeded'), ...base }),
  apply_failed: z.object({ type: z.literal('apply_failed'), ...base, error: errorTextSchema.optional() }),
  retry_apply: z.object({ type: z.literal('retry_apply'), ...base }),
  tests_passed: z.object({ type: z.literal('tests_passed'), ...base, gates: stateMapSchema }),
  tests_failed: z.object({ type: z.literal('tests_failed'), ...mustReason, failed_gates: z.array(z.string()).min(1) }),
  auto_quarantine: z.object({ type: z.literal('auto_quarantine'), ...mustReason }),
  drop: z.object({ type: z.literal('drop'), ...base, operator: z.string().regex(OPERATOR_NAME_PATTERN).optional() }),
  commit_succeeded: z.object({ type: z.literal('commit_succeeded'), ...base, commit_sha: z.string().regex(COMMIT_SHA_PATTERN) }),
  rollback: z.object({ type: z.literal('rollback'), ...mustReason, compensation_succeeded: z.boolean() }),
} as const;

/** An event the Patch ledger accepts. */
export type PatchLedgerEvent = z.infer<(typeof patchLedgerEventSchemas)[keyof typeof patchLedgerEventSchemas]>;

/** Input that creates a Patch ledger entry. */
export const patchLedgerInputSchema = z.object({
  now: nowSchema,
  patch_id: z.string().min(1),
  /** SSOT §2.2: the test gates this patch must pass (plan gate ids of its task); default none. */
  required_gates: z.array(z.string().min(1)).default([]),
});
/** Input that creates a Patch ledger entry. */
export type PatchLedgerInput = z.input<typeof patchLedgerInputSchema>;

/** Validation flags (SSOT §2.2.5): they must agree with the state. */
export interface ValidationFlags {
  format: boolean;
  scope: boolean;
  constraints: boolean;
  tests: boolean;
}

/** Context of the Patch ledger machine. */
export interface PatchLedgerContext {
  created_at: number;
  patch_id: string;
  /** SSOT §2.2: the gates `tests_passed` must report, each PASSED (fixed at creation). */
  required_gates: string[];
  validation: ValidationFlags;
  apply_attempts: number;
  quarantine_reason: string | null;
  quarantined_at: number | null;
  rollback_reason: string | null;
  rolled_back_at: number | null;
  commit_sha: string | null;
  last_error: string | null;
  /** SSOT §2.2.5: only grows; one entry per state entered. */
  state_history: { state: string; at: number; event: string }[];
}

const reasonOf = (e: PatchLedgerEvent): string | undefined => (typeof e.reason === 'string' && e.reason.length > 0 ? e.reason : undefined);

/** The Patch ledger machine (SSOT §2.2, EXT-3, EXT-4). */
export const patchLedgerMachine = setup({
  types: {} as { context: PatchLedgerContext; events: PatchLedgerEvent; input: PatchLedgerInput },
  guards: {
    /** SSOT §2.2: format, scope and constraint checks all passed. */
    checksPassed: ({ event }) => event.type === 'validation_passed' && event.format && event.scope && event.constraints,
    /** SSOT §2.2.5: quarantine and rollback need a reason. */
    reasonGiven: ({ event }) => reasonOf(event) !== undefined,
    /** SSOT §2.2: the phase policy allows the patch. */
    policyAllows: ({ event }) => event.type === 'accepted' && event.policy_allowed,
    /** SSOT §2.2: every required test gate is reported and PASSED, and so is every other gate reported. */
    allGatesPassed: ({ context, event }) =>
      event.type === 'tests_passed' &&
      (context.required_gates ?? []).every((g) => event.gates[g] === 'PASSED') &&
      Object.values(event.gates).every((s) => s === 'PASSED'),
    /** SSOT §2.2: dropping a patch that failed to apply is an operator's decision (the event names the operator). */
    operatorDecided: ({ event }) => event.type === 'drop' && typeof event.operator === 'string' && event.operator.length > 0,
    /** SSOT §2.2: the reason names the failed gates. */
    failedGatesNamed: ({ event }) => event.type === 'tests_failed' && event.failed_gates.length > 0 && reasonOf(event) !== undefined,
    /** SSOT §2.2.7: apply attempts exhausted (3), reason given. */
    attemptsExhausted: ({ context, event }) => context.apply_attempts >= MAX_APPLY_ATTEMPTS && reasonOf(event) !== undefined,
    /** EXT-3: apply attempts remain (< 3). */
    attemptsRemain: ({ context }) => context.apply_attempts < MAX_APPLY_ATTEMPTS,
    /** SSOT §2.2.3: the commit sha is recorded. */
    shaGiven: ({ event }) => event.type === 'commit_succeeded' && COMMIT_SHA_PATTERN.test(event.commit_sha),
    /** SSOT §2.5.3: the compensation plan succeeded first, and a reason is given. */
    compensated: ({ event }) => event.type === 'rollback' && event.compensation_succeeded && reasonOf(event) !== undefined,
  },
  actions: {
    setChecks: assign({ validation: ({ context }) => ({ ...context.validation, format: true, scope: true, constraints: true }) }),
    setTests: assign({ validation: ({ context }) => ({ ...context.validation, tests: true }) }),
    quarantine: assign({ quarantine_reason: ({ event }) => reasonOf(event) ?? null, quarantined_at: ({ event }) => event.now }),
    countApply: assign({ apply_attempts: ({ context }) => context.apply_attempts + 1 }),
    applyFailed: assign({
      apply_attempts: ({ context }) => context.apply_attempts + 1,
      last_error: ({ event }) => (event.type === 'apply_failed' && event.error ? event.error : (reasonOf(event) ?? 'git apply failed')),
    }),
    commit: assign({ commit_sha: ({ event }) => (event.type === 'commit_succeeded' ? event.commit_sha : null) }),
    rollBack: assign({ rollback_reason: ({ event }) => reasonOf(event) ?? null, rolled_back_at: ({ event }) => event.now }),
    // SSOT §2.2.5: state_history only grows, one entry per state entered.
    enter: assign({
      state_history: ({ context, event }, params: { state: PatchLedgerState }) => [
        ...context.state_history,
        { state: params.state, at: event.now, event: event.type },
      ],
    }),
  },
}).createMachine({
  id: 'patch_ledger',
  initial: 'created',
  context: ({ input }) => {
    const i = patchLedgerInputSchema.parse(input);
    return {
      created_at: i.now,
      patch_id: i.patch_id,
      required_gates: [...i.required_gates],
      validation: { format: false, scope: false, constraints: false, tests: false },
      apply_attempts: 0,
      quarantine_reason: null,
      quarantined_at: null,
      rollback_reason: null,
      rolled_back_at: null,
      commit_sha: null,
      last_error: null,
      state_history: [{ state: 'created', at: i.now, event: 'create' }],
    };
  },
  states: {
    created: {
      on: {
        validation_passed: { target: 'validated', guard: 'checksPassed', actions: 'setChecks', meta: ssot('§2.2') },
        validation_failed: { target: 'quarantined', guard: 'reasonGiven', actions: 'quarantine', meta: ssot('§2.2') },
      },
    },
    validated: {
      entry: { type: 'enter', params: { state: 'validated' } },
      on: {
        accepted: { target: 'queued', guard: 'policyAllows', meta: ssot('§2.2') },
        policy_violation: { target: 'quarantined', guard: 'reasonGiven', actions: 'quarantine', meta: ssot('§2.2') },
      },
    },
    queued: {
      entry: { type: 'enter', params: { state: 'queued' } },
      on: {
        apply_succeeded: { target: 'applied', actions: 'countApply', meta: ssot('§2.2') },
        apply_failed: { target: 'apply_failed', actions: 'applyFailed', meta: ssot('§2.2') },
      },
    },
    applied: {
      entry: { type: 'enter', params: { state: 'applied' } },
      on: {
        tests_passed: { target: 'verified', guard: 'allGatesPassed', actions: 'setTests', meta: ssot('§2.2') },
        tests_failed: { target: 'quarantined', guard: 'failedGatesNamed', actions: 'quarantine', meta: ssot('§2.2') },
      },
    },
    apply_failed: {
      tags: [FAILURE_TAG],
      entry: { type: 'enter', params: { state: 'apply_failed' } },
      on: {
        auto_quarantine: { target: 'quarantined', guard: 'attemptsExhausted', actions: 'quarantine', meta: ssot('§2.2, §2.2.7') },
        drop: { target: 'dropped', guard: 'operatorDecided', meta: ssot('§2.2') },
        retry_apply: { target: 'queued', guard: 'attemptsRemain', meta: ext('EXT-3', '§8.1.2, §2.2.7') },
      },
    },
    verified: {
      entry: { type: 'enter', params: { state: 'verified' } },
      on: { commit_succeeded: { target: 'committed', guard: 'shaGiven', actions: 'commit', meta: ssot('§2.2') } },
    },
    // SSOT §8.2.3 exception 1: committed accepts only rollback.
    committed: {
      entry: { type: 'enter', params: { state: 'committed' } },
      on: { rollback: { target: 'rolled_back', guard: 'compensated', actions: 'rollBack', meta: ssot('§2.2, §2.5.3') } },
    },
    // SSOT §2.2.4: nothing leaves quarantined but dropped (EXT-4).
    quarantined: {
      tags: [FAILURE_TAG],
      entry: { type: 'enter', params: { state: 'quarantined' } },
      on: { drop: { target: 'dropped', meta: ext('EXT-4', '§2.2.4, §2.5.4') } },
    },
    rolled_back: {
      tags: [FAILURE_TAG],
      entry: { type: 'enter', params: { state: 'rolled_back' } },
      type: 'final',
    },
    // Not a failure state: the failure was recorded when the patch entered apply_failed or quarantined; dropping is
    // its disposal (an operator decision, or §2.5.4 after a fixed patch). rolled_back is one (SSOT §7.2.2: critical).
    dropped: {
      entry: { type: 'enter', params: { state: 'dropped' } },
      type: 'final',
    },
  },
});
