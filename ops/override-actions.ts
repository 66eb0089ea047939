import { clipReason } from '../machines/index.js';

/** The manual overrides of SSOT §5.2 implemented here (docs/design/plan.md names); `rollback-patch` is a playbook, not yet here. */
export const OVERRIDE_ACTIONS = [
  'complete-task',
  'fail-task',
  'reset-task',
  'unblock-task',
  'fail-workstream',
  'validate-workstream',
  'reset-breaker',
] as const;
/** One manual override action. */
export type OverrideAction = (typeof OVERRIDE_ACTIONS)[number];

/** Options that change what an override writes. */
export interface OverrideOptions {
  /** `reset-task --clear-retry-count`: the reset task starts again at retry count 0. */
  readonly clearRetryCount?: boolean;
}

/** What one override does to one entity: the target state and the context it forces (bypassing guards). */
export interface OverrideRule {
  readonly entityType: 'task' | 'workstream' | 'circuit_breaker';
  /** States the override applies to; anything else is refused. */
  readonly from: readonly string[];
  /** The state forced. */
  readonly to: string;
  /** The context after the override, from the context before: every field the table constraints need for `to`. */
  patch(ctx: Readonly<Record<string, unknown>>, now: number, reason: string, opts: OverrideOptions): Record<string, unknown>;
}

const TASK_ACTIVE = ['pending', 'queued', 'blocked', 'running', 'validating', 'retrying'];
const WS_ACTIVE = ['planned', 'ready', 'blocked', 'executing', 'validating'];
const released = { worker_id: null, deadline_at: null, retry_at: null };

/** The rule of each override action. */
export const OVERRIDE_RULES: Readonly<Record<OverrideAction, OverrideRule>> = {
  'complete-task': {
    entityType: 'task',
    from: TASK_ACTIVE,
    to: 'completed',
    patch: (c, now) => ({ ...c, ...released, blocked_by: [], completed_at: now }),
  },
  'fail-task': {
    entityType: 'task',
    from: TASK_ACTIVE,
    to: 'failed',
    patch: (c, now, reason) => ({ ...c, ...released, completed_at: now, last_error: clipReason(`manual override: ${reason}`) }),
  },
  'reset-task': {
    entityType: 'task',
    from: TASK_ACTIVE,
    to: 'pending',
    patch: (c, _now, _reason, o) => ({
      ...c,
      ...released,
      started_at: null,
      blocked_by: [],
      timeout_occurred: false,
      retry_count: o.clearRetryCount ? 0 : c.retry_count,
    }),
  },
  'unblock-task': {
    entityType: 'task',
    from: ['blocked'],
    to: 'pending',
    patch: (c) => ({ ...c, blocked_by: [] }),
  },
  'fail-workstream': {
    entityType: 'workstream',
    from: WS_ACTIVE,
    to: 'failed',
    patch: (c, now) => ({ ...c, completed_at: now }),
  },
  'validate-workstream': {
    entityType: 'workstream',
    from: ['executing', 'validating'],
    to: 'completed',
    patch: (c, now) => ({ ...c, completed_at: now }),
  },
  'reset-breaker': {
    entityType: 'circuit_breaker',
    from: ['OPEN', 'HALF_OPEN', 'CLOSED'],
    to: 'CLOSED',
    patch: (c) => ({ ...c, failure_count: 0, success_count: 0, opened_at: null, last_error: null }),
  },
};

/** True when `name` is one of {@link OVERRIDE_ACTIONS}. */
export function isOverrideAction(name: string): name is OverrideAction {
  return (OVERRIDE_ACTIONS as readonly string[]).includes(name);
}
