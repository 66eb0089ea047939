import type { EntityType } from '../machines/index.js';

/** An event as the machines receive it after parsing: a type and its payload. */
export type BenchEvent = { readonly type: string } & Readonly<Record<string, unknown>>;

/**
 * One benchmark workload: a cycle of valid events for one machine. `long-lived` cycles return to their start state
 * on one entity (after `setup`, untimed); `fresh` cycles start from a new entity each time (creation is timed on
 * both sides) and may end in a terminal state. Events are built once, already in their parsed form.
 */
export interface Scenario {
  readonly entityType: EntityType;
  readonly mode: 'long-lived' | 'fresh';
  readonly label: string;
  readonly input: Record<string, unknown>;
  readonly setup: readonly BenchEvent[];
  readonly cycle: readonly BenchEvent[];
  /** The state every cycle ends in. */
  readonly end: string;
}

const T = 10_000_000;
const running = [{ id: 't1', state: 'running', critical: false }];
const done = [{ id: 't1', state: 'completed', critical: false }];

/** The workloads of the benchmark, one per machine. */
export const SCENARIOS: readonly Scenario[] = [
  {
    entityType: 'circuit_breaker',
    mode: 'long-lived',
    label: 'CLOSED→OPEN→HALF_OPEN→CLOSED',
    input: { now: 0, failure_threshold: 5, cooldown_seconds: 60, success_threshold: 1 },
    setup: [],
    cycle: [
      { type: 'call_succeeded', now: 1000 },
      ...Array.from({ length: 5 }, () => ({ type: 'call_failed', now: 1000, error: 'boom' })),
      { type: 'cooldown_elapsed', now: 61_000 },
      { type: 'call_succeeded', now: 61_001 },
    ],
    end: 'CLOSED',
  },
  {
    entityType: 'worker',
    mode: 'long-lived',
    label: 'idle→busy→idle, heartbeats',
    input: { now: 0, max_concurrent_tasks: 1, affinity: [] },
    setup: [{ type: 'registration_complete', now: 0, capabilities: ['node', 'git'] }],
    cycle: [
      { type: 'heartbeat', now: 1000 },
      { type: 'task_assigned', now: 1000, task_id: 't1', workstream_id: 'ws', required_capabilities: ['node'] },
      { type: 'heartbeat', now: 1000 },
      { type: 'task_completed', now: 1000, task_id: 't1' },
    ],
    end: 'idle',
  },
  {
    entityType: 'uet_worker',
    mode: 'long-lived',
    label: 'IDLE→BUSY→IDLE, heartbeats',
    input: { now: 0, affinity: [] },
    setup: [{ type: 'spawn_complete', now: 0 }],
    cycle: [
      { type: 'heartbeat', now: 1000 },
      { type: 'task_assigned', now: 1000, task_id: 't1' },
      { type: 'heartbeat', now: 1000 },
      { type: 'task_completed', now: 1000, task_id: 't1' },
    ],
    end: 'IDLE',
  },
  {
    entityType: 'task',
    mode: 'fresh',
    label: 'pending…running→retrying→queued…completed',
    input: { now: 0, depends_on: [], gate_dependencies: [], required_capabilities: [], is_critical: false, max_retries: 3, timeout_sec: 1800, expected_exit: [0], backoff: { base_ms: 1000, cap_ms: 300_000 } },
    setup: [],
    cycle: [
      { type: 'scheduler_assigned', now: 1, dependencies: {}, gates: {} },
      { type: 'worker_started', now: 2, worker_id: 'agent-1', worker_capabilities: ['node'] },
      { type: 'execution_failed', now: 3, exit_code: 1, jitter: 0 },
      { type: 'retry_delay_elapsed', now: T },
      { type: 'worker_started', now: T + 1, worker_id: 'agent-2', worker_capabilities: ['node'] },
      { type: 'execution_completed', now: T + 2, exit_code: 0 },
      { type: 'validation_passed', now: T + 3, gates: {}, ledger_state: null },
    ],
    end: 'completed',
  },
  {
    entityType: 'patch_ledger',
    mode: 'fresh',
    label: 'created…apply_failed→queued…rolled_back',
    input: { now: 0, patch_id: 'p1' },
    setup: [],
    cycle: [
      { type: 'validation_passed', now: 1, format: true, scope: true, constraints: true },
      { type: 'accepted', now: 2, policy_allowed: true },
      { type: 'apply_failed', now: 3, error: 'conflict' },
      { type: 'retry_apply', now: 4 },
      { type: 'apply_succeeded', now: 5 },
      { type: 'tests_passed', now: 6, gates: { lint: 'PASSED', unit: 'PASSED' } },
      { type: 'commit_succeeded', now: 7, commit_sha: 'abcdef1' },
      { type: 'rollback', now: 8, reason: 'revert', compensation_succeeded: true },
    ],
    end: 'rolled_back',
  },
  {
    entityType: 'run',
    mode: 'fresh',
    label: 'pending→running→succeeded',
    input: { now: 0 },
    setup: [],
    cycle: [
      { type: 'start', now: 1 },
      { type: 'all_workstreams_done', now: 2, workstreams: [{ id: 'ws', state: 'completed', critical: true }] },
    ],
    end: 'succeeded',
  },
  {
    entityType: 'workstream',
    mode: 'fresh',
    label: 'planned→ready→executing→validating→completed',
    input: { now: 0, planned_task_count: 1, depends_on: [], critical: false },
    setup: [],
    cycle: [
      { type: 'tasks_created', now: 1, task_count: 1, dependencies: {} },
      { type: 'task_started', now: 2, tasks: running },
      { type: 'tasks_completed', now: 3, tasks: done, ledger: [{ id: 'p1', state: 'committed' }] },
      { type: 'validation_passed', now: 4, merged: true },
    ],
    end: 'completed',
  },
  {
    entityType: 'test_gate',
    mode: 'fresh',
    label: 'PENDING→BLOCKED→PENDING→RUNNING→PASSED',
    input: { now: 0, gate_type: 'UNIT', depends_on: ['lint'], expected_exit: 0, timeout_sec: 600 },
    setup: [],
    cycle: [
      { type: 'dependency_failed', now: 1, dependencies: { lint: 'FAILED' } },
      { type: 'dependency_passed', now: 2, dependencies: { lint: 'PASSED' } },
      { type: 'start', now: 3, dependencies: { lint: 'PASSED' } },
      { type: 'command_succeeded', now: 4, exit_code: 0, duration_ms: 1 },
    ],
    end: 'PASSED',
  },
];
