import type { ContextOf, StateOf } from './entity-types.js';
import type { EntityType } from './machine-catalog.js';

/** The machine's terminal states (`type: 'final'`), resolved from the catalog: a rule that names them never lists them. */
export const TERMINAL = 'terminal';

/**
 * When a nullable context field holds a value (docs/design/machines.md §6): non-null in every state of `in` (or in
 * every terminal state), either in the states of `also`, and elsewhere null (`elsewhere: 'null'`) or either
 * (`elsewhere: 'any'`).
 */
export interface PresenceRule<T extends EntityType> {
  readonly in: readonly StateOf<T>[] | typeof TERMINAL;
  readonly also?: readonly StateOf<T>[];
  readonly elsewhere: 'null' | 'any';
  readonly section: string;
}

/** One immutable context field, with the SSOT section that fixes it. */
export interface FixedField<T extends EntityType> {
  readonly field: keyof ContextOf<T> & string;
  readonly section: string;
}

/** The SSOT's rules on one machine's context fields: presence per state, immutability, growth. */
export interface ContextRules<T extends EntityType> {
  /** Nullable context fields whose presence depends on the state. */
  readonly presence: { readonly [K in keyof ContextOf<T> & string]?: PresenceRule<T> };
  /** Fields fixed at creation: never changed by any transition. */
  readonly fixedAtCreation: readonly FixedField<T>[];
  /** Fields that may change only while the entity is in its machine's initial state. */
  readonly fixedAfterInitial: readonly FixedField<T>[];
  /** Array fields that only grow: each new value starts with the previous one. */
  readonly appendOnly: readonly FixedField<T>[];
  /** Reason or error texts taken from events: at most `REASON_MAX_LENGTH` characters (the event schemas' limit). */
  readonly reasonText: readonly (keyof ContextOf<T> & string)[];
}

const NONE = { presence: {}, fixedAtCreation: [], fixedAfterInitial: [], appendOnly: [], reasonText: [] } as const;

/**
 * The context rules of the SSOT, declared once, beside the machines they constrain, per entity type (checked against
 * every generated path of the machines by test/machines/context-rules.test.ts; the database's presence constraints
 * and immutability triggers are built from them, `dbConstraintFacts`).
 */
export const contextRules: { readonly [T in EntityType]: ContextRules<T> } = {
  run: {
    ...NONE,
    presence: {
      completed_at: { in: TERMINAL, elsewhere: 'null', section: '§6.1' },
      // a run canceled while pending has completed_at but no started_at.
      started_at: { in: ['running', 'succeeded', 'failed'], also: ['canceled'], elsewhere: 'null', section: '§6.1, R-2' },
    },
  },
  workstream: { ...NONE, presence: { completed_at: { in: TERMINAL, elsewhere: 'null', section: '§6.2' } } },
  task: {
    ...NONE,
    presence: {
      worker_id: { in: ['running'], elsewhere: 'null', section: '§1.4.5 inv. 3' },
      started_at: { in: ['running', 'validating'], elsewhere: 'any', section: '§1.4.5 inv. 5' },
      completed_at: { in: ['completed', 'failed'], elsewhere: 'null', section: '§1.4.5 inv. 5' },
      cancelled_at: { in: ['cancelled'], elsewhere: 'null', section: '§1.4' },
      // The backoff due time is stored so a restarted engine keeps it (docs/design/engine.md §3).
      retry_at: { in: ['retrying'], elsewhere: 'null', section: '§1.4' },
    },
    fixedAtCreation: [{ field: 'is_critical', section: '§1.4.5 inv. 8' }],
    reasonText: ['last_error'],
  },
  worker: {
    ...NONE,
    presence: { shutdown_at: { in: ['shutdown'], elsewhere: 'null', section: '§1.5.7' } },
    fixedAfterInitial: [{ field: 'affinity', section: '§1.5.7' }],
  },
  uet_worker: {
    ...NONE,
    presence: { terminated_at: { in: ['TERMINATED'], elsewhere: 'null', section: '§2.1' } },
    fixedAfterInitial: [{ field: 'affinity', section: '§2.1' }],
    reasonText: ['last_error'],
  },
  patch_ledger: {
    ...NONE,
    presence: {
      // §2.2.5: present when quarantined; kept when a quarantined entry is dropped (EXT-4).
      quarantine_reason: { in: ['quarantined'], also: ['dropped'], elsewhere: 'null', section: '§2.2.5' },
      quarantined_at: { in: ['quarantined'], also: ['dropped'], elsewhere: 'null', section: '§2.2.5' },
      rollback_reason: { in: ['rolled_back'], elsewhere: 'null', section: '§2.2.5' },
      rolled_back_at: { in: ['rolled_back'], elsewhere: 'null', section: '§2.2.5' },
      // §2.2.3: recorded by commit_succeeded, kept by rollback.
      commit_sha: { in: ['committed', 'rolled_back'], elsewhere: 'null', section: '§2.2.3' },
    },
    appendOnly: [{ field: 'state_history', section: '§2.2.5' }],
    reasonText: ['quarantine_reason', 'rollback_reason', 'last_error'],
  },
  test_gate: {
    ...NONE,
    presence: {
      exit_code: { in: ['PASSED', 'FAILED'], elsewhere: 'null', section: '§6.6' },
      completed_at: { in: ['PASSED', 'FAILED'], elsewhere: 'null', section: '§6.6' },
      started_at: { in: ['RUNNING', 'PASSED', 'FAILED'], elsewhere: 'null', section: '§6.6' },
    },
  },
  circuit_breaker: { ...NONE, presence: { opened_at: { in: ['OPEN', 'HALF_OPEN'], elsewhere: 'null', section: '§2.4' } }, reasonText: ['last_error'] },
};
