import type { EntityType } from '../machines/index.js';

/** What @xstate/graph needs to walk one machine: an input, the full event list with payloads, and what makes a state distinct. */
export interface PathModel {
  readonly entityType: EntityType;
  readonly input: Record<string, unknown>;
  /**
   * Every event type of the machine, with payloads that satisfy its guards along the generated paths; `dt` is the
   * event's time relative to the latest time in the snapshot's context, so time never runs backwards on any path.
   */
  readonly events: readonly EventTemplate[];
  /** Context fields that, with the state value, identify a graph vertex (bounded counters only). */
  readonly counters: readonly string[];
}

/** An event of a path model: its time is `dt` milliseconds after the latest time the snapshot knows. */
export type EventTemplate = { type: string; dt: number } & Record<string, unknown>;

/** Base time of generated paths (epoch ms); machines read time only from events and input. */
export const T0 = 1_700_000_000_000;

const ws = (id: string, state: string, critical = false) => ({ id, state, critical });

/** One model per machine: generated tests and `gantry coverage` derive every path from these and the definitions. */
export const pathModels: Readonly<Record<EntityType, PathModel>> = {
  run: {
    entityType: 'run',
    input: { now: T0 },
    counters: [],
    events: [
      { type: 'start', dt: 1 },
      { type: 'all_workstreams_done', dt: 2, workstreams: [ws('w1', 'completed', true), ws('w2', 'skipped')] },
      { type: 'critical_workstream_failed', dt: 2, workstreams: [ws('w1', 'failed', true), ws('w2', 'executing')] },
      { type: 'workstreams_settled', dt: 2, workstreams: [ws('w1', 'completed', true), ws('w2', 'failed')] },
      { type: 'cancel', dt: 2, reason: 'operator request' },
    ],
  },
  workstream: {
    entityType: 'workstream',
    input: { now: T0, planned_task_count: 2, depends_on: ['ws0'], critical: true },
    counters: [],
    events: [
      { type: 'tasks_created', dt: 1, task_count: 2, dependencies: { ws0: 'completed' } },
      { type: 'dependency_unmet', dt: 1, dependencies: { ws0: 'executing' } },
      { type: 'dependencies_met', dt: 2, dependencies: { ws0: 'completed' } },
      { type: 'dependency_failed', dt: 2, dependencies: { ws0: 'failed' } },
      { type: 'skip', dt: 2 },
      { type: 'cancel', dt: 2 },
      { type: 'task_started', dt: 3, tasks: [ws('t1', 'running', true), ws('t2', 'queued')] },
      { type: 'tasks_completed', dt: 4, tasks: [ws('t1', 'completed', true), ws('t2', 'completed')], ledger: [{ id: 'p1', state: 'committed' }] },
      { type: 'critical_task_failed', dt: 4, tasks: [ws('t1', 'failed', true), ws('t2', 'running')] },
      { type: 'tasks_settled', dt: 4, tasks: [ws('t1', 'completed', true), ws('t2', 'failed')] },
      { type: 'patch_quarantined', dt: 4, ledger: [{ id: 'p1', state: 'quarantined' }] },
      { type: 'validation_passed', dt: 5, merged: true },
      { type: 'validation_failed', dt: 5, reason: 'final validation failed' },
      { type: 'rebase_started', dt: 5, paths: ['src/a.js'], reason: 'merge conflicts in src/a.js' },
      { type: 'rebased', dt: 6, head: 'a'.repeat(40) },
      { type: 'rerun_started', dt: 5, paths: ['src/a.js'], rerun_tasks: ['t1'], reason: 'merge conflicts in src/a.js' },
      { type: 'rerun_settled', dt: 7, tasks: [ws('t1', 'completed', true), ws('t2', 'completed')], ledger: [{ id: 'p1', state: 'committed' }] },
    ],
  },
  task: {
    entityType: 'task',
    input: { now: T0, depends_on: ['dep'], gate_dependencies: ['unit'], required_capabilities: ['node'], max_retries: 1 },
    counters: ['retry_count'],
    events: [
      { type: 'scheduler_assigned', dt: 1, dependencies: { dep: 'completed' }, gates: {} },
      { type: 'dependency_check_failed', dt: 1, dependencies: { dep: 'running' }, gates: {} },
      { type: 'dependency_satisfied', dt: 2, dependencies: { dep: 'completed' }, gates: {} },
      { type: 'dependency_failed', dt: 2, dependencies: { dep: 'failed' }, gates: {} },
      { type: 'worker_started', dt: 3, worker_id: 'agent-1', worker_capabilities: ['node', 'git'] },
      { type: 'execution_completed', dt: 4, exit_code: 0 },
      { type: 'execution_failed', dt: 4, exit_code: 1, jitter: 0 },
      { type: 'timeout_exceeded', dt: 4 },
      { type: 'user_cancelled', dt: 4 },
      { type: 'retry_delay_elapsed', dt: 86_400_000 },
      { type: 'validation_passed', dt: 5, gates: { unit: 'PASSED' }, ledger_state: 'committed' },
      { type: 'validation_failed', dt: 5, error: 'gate unit FAILED' },
    ],
  },
  worker: {
    entityType: 'worker',
    input: { now: T0, max_concurrent_tasks: 2, affinity: ['ws1'] },
    counters: ['current_load'],
    events: [
      { type: 'registration_complete', dt: 0, capabilities: ['node', 'git'] },
      { type: 'task_assigned', dt: 1000, task_id: 't1', workstream_id: 'ws1', required_capabilities: ['node'] },
      { type: 'task_assigned', dt: 1000, task_id: 't2', workstream_id: 'ws1', required_capabilities: [] },
      { type: 'task_completed', dt: 2000, task_id: 't1' },
      { type: 'task_completed', dt: 2000, task_id: 't2' },
      { type: 'heartbeat', dt: 1500 },
      { type: 'heartbeat_timeout', dt: 200_000 },
      { type: 'heartbeat_recovered', dt: 250_000 },
      { type: 'recovery_timeout', dt: 600_000 },
      { type: 'shutdown_requested', dt: 3000 },
    ],
  },
  uet_worker: {
    entityType: 'uet_worker',
    input: { now: T0 },
    counters: [],
    events: [
      { type: 'spawn_complete', dt: 1 },
      { type: 'spawn_failed', dt: 1, error: 'could not spawn' },
      { type: 'task_assigned', dt: 2, task_id: 'p1' },
      { type: 'task_completed', dt: 3, task_id: 'p1' },
      { type: 'shutdown_requested', dt: 3 },
      { type: 'crashed', dt: 3, error: 'heartbeat lost' },
      { type: 'drain_complete', dt: 4 },
      { type: 'heartbeat', dt: 2 },
    ],
  },
  patch_ledger: {
    entityType: 'patch_ledger',
    input: { now: T0, patch_id: 'patch-1', required_gates: ['unit'] },
    counters: ['apply_attempts'],
    events: [
      { type: 'validation_passed', dt: 1, format: true, scope: true, constraints: true },
      { type: 'validation_failed', dt: 1, reason: 'scope: src/../x outside allowed paths' },
      { type: 'accepted', dt: 2, policy_allowed: true },
      { type: 'policy_violation', dt: 2, reason: 'phase forbids binary files' },
      { type: 'apply_succeeded', dt: 3 },
      { type: 'apply_failed', dt: 3, error: 'patch does not apply' },
      { type: 'retry_apply', dt: 4 },
      { type: 'tests_passed', dt: 5, gates: { unit: 'PASSED' } },
      { type: 'tests_failed', dt: 5, reason: 'gate unit FAILED', failed_gates: ['unit'] },
      { type: 'auto_quarantine', dt: 5, reason: 'apply failed 3 times' },
      { type: 'drop', dt: 6, operator: 'alice' },
      { type: 'commit_succeeded', dt: 6, commit_sha: 'abc1234' },
      { type: 'rollback', dt: 7, reason: 'regression', compensation_succeeded: true },
    ],
  },
  test_gate: {
    entityType: 'test_gate',
    // A MANUAL gate, so that EXT-9 (`abandoned`, manual gates only) is reachable; the machine runs no command either
    // way — the command events are the engine's reports — and the EXT-6 guard asks only for the approvers.
    input: { now: T0, gate_type: 'MANUAL', depends_on: ['lint'], timeout_sec: 60, approvers: ['alice'] },
    counters: [],
    events: [
      { type: 'start', dt: 1, dependencies: { lint: 'PASSED' } },
      { type: 'dependency_failed', dt: 1, dependencies: { lint: 'FAILED' } },
      { type: 'dependency_passed', dt: 2, dependencies: { lint: 'PASSED' } },
      { type: 'command_succeeded', dt: 5000, exit_code: 0 },
      { type: 'command_failed', dt: 5000, exit_code: 2 },
      { type: 'timeout_exceeded', dt: 60_001 },
      { type: 'restarted', dt: 1000 },
      { type: 'approved', dt: 2000, operator: 'alice', reason: 'reviewed' },
      { type: 'rejected', dt: 2000, operator: 'alice', reason: 'not ready' },
      { type: 'abandoned', dt: 2000, reason: 'the task failed at gate unit' },
    ],
  },
  circuit_breaker: {
    entityType: 'circuit_breaker',
    input: { now: T0, failure_threshold: 2, cooldown_seconds: 60, success_threshold: 2 },
    counters: ['failure_count', 'success_count'],
    events: [
      { type: 'call_failed', dt: 1000, error: 'tool crashed' },
      { type: 'call_succeeded', dt: 2000 },
      { type: 'cooldown_elapsed', dt: 61_000 },
    ],
  },
};
