/**
 * The spec's machines transcribed once by hand from the design (restated in docs/design/machines.md): states, terminal states, every
 * trigger of every edge (`from to event tag`), and the SSOT's own lists of invalid edges. The machines are compared
 * against this table, so a changed machine fails loudly.
 */
export interface ConformanceMachine {
  readonly states: readonly string[];
  readonly terminal: readonly string[];
  /** `from to event tag`, tag SSOT or EXT-n. */
  readonly edges: readonly string[];
  /** Edges the SSOT lists as invalid, `from to`. */
  readonly invalid: readonly string[];
}

/** docs/design/machines.md, transcribed. */
export const conformanceTable: Readonly<Record<string, ConformanceMachine>> = {
  run: {
    states: ['pending', 'running', 'succeeded', 'failed', 'canceled'],
    terminal: ['succeeded', 'failed', 'canceled'],
    edges: [
      'pending running start SSOT',
      'running succeeded all_workstreams_done SSOT',
      'running failed critical_workstream_failed SSOT',
      'running failed workstreams_settled SSOT',
      'running canceled cancel SSOT',
      'pending canceled cancel SSOT',
    ],
    invalid: ['running pending', 'pending succeeded', 'pending failed'],
  },
  workstream: {
    states: ['planned', 'ready', 'blocked', 'executing', 'validating', 'completed', 'failed', 'cancelled', 'skipped'],
    terminal: ['completed', 'failed', 'cancelled', 'skipped'],
    edges: [
      'planned ready tasks_created SSOT',
      'planned blocked dependency_unmet SSOT',
      'planned skipped skip SSOT',
      'planned cancelled cancel SSOT',
      'planned cancelled dependency_failed SSOT',
      'blocked ready dependencies_met SSOT',
      'ready executing task_started SSOT',
      'ready skipped skip SSOT',
      'ready cancelled cancel SSOT',
      'executing validating tasks_completed SSOT',
      'executing failed critical_task_failed SSOT',
      'executing failed patch_quarantined SSOT',
      'executing cancelled cancel SSOT',
      'validating completed validation_passed SSOT',
      'validating failed validation_failed SSOT',
      'blocked cancelled cancel EXT-1',
      'blocked cancelled dependency_failed EXT-1',
      'ready failed tasks_settled EXT-5',
      'executing failed tasks_settled EXT-5',
      'validating validating rebase_started EXT-7',
      'validating validating rerun_started EXT-8',
    ],
    invalid: ['executing planned', 'executing blocked', 'validating executing'],
  },
  task: {
    states: ['pending', 'queued', 'blocked', 'running', 'validating', 'retrying', 'completed', 'failed', 'cancelled'],
    terminal: ['completed', 'failed', 'cancelled'],
    edges: [
      'pending queued scheduler_assigned SSOT',
      'pending blocked dependency_check_failed SSOT',
      'blocked pending dependency_satisfied SSOT',
      'queued running worker_started SSOT',
      'running validating execution_completed SSOT',
      'running retrying execution_failed SSOT',
      'running retrying timeout_exceeded SSOT',
      'running failed execution_failed SSOT',
      'running failed timeout_exceeded SSOT',
      'running cancelled user_cancelled SSOT',
      'retrying queued retry_delay_elapsed SSOT',
      'validating completed validation_passed SSOT',
      'validating failed validation_failed SSOT',
      'pending cancelled user_cancelled EXT-2',
      'pending cancelled dependency_failed EXT-2',
      'queued cancelled user_cancelled EXT-2',
      'queued cancelled dependency_failed EXT-2',
      'blocked cancelled user_cancelled EXT-2',
      'blocked cancelled dependency_failed EXT-2',
      'retrying cancelled user_cancelled EXT-2',
      'retrying cancelled dependency_failed EXT-2',
    ],
    invalid: [],
  },
  worker: {
    states: ['initializing', 'idle', 'busy', 'unresponsive', 'shutdown'],
    terminal: ['shutdown'],
    edges: [
      'initializing idle registration_complete SSOT',
      'idle busy task_assigned SSOT',
      'busy idle task_completed SSOT',
      'busy unresponsive heartbeat_timeout SSOT',
      'unresponsive idle heartbeat_recovered SSOT',
      'unresponsive shutdown recovery_timeout SSOT',
      'idle shutdown shutdown_requested SSOT',
      'busy shutdown shutdown_requested SSOT',
    ],
    invalid: ['initializing busy', 'initializing unresponsive', 'idle unresponsive'],
  },
  uet_worker: {
    states: ['SPAWNING', 'IDLE', 'BUSY', 'DRAINING', 'TERMINATED'],
    terminal: ['TERMINATED'],
    edges: [
      'SPAWNING IDLE spawn_complete SSOT',
      'SPAWNING TERMINATED spawn_failed SSOT',
      'IDLE BUSY task_assigned SSOT',
      'IDLE TERMINATED shutdown_requested SSOT',
      'BUSY IDLE task_completed SSOT',
      'BUSY DRAINING shutdown_requested SSOT',
      'BUSY TERMINATED crashed SSOT',
      'DRAINING TERMINATED drain_complete SSOT',
    ],
    invalid: ['IDLE SPAWNING', 'BUSY SPAWNING', 'DRAINING IDLE', 'DRAINING BUSY'],
  },
  patch_ledger: {
    states: ['created', 'validated', 'queued', 'applied', 'apply_failed', 'verified', 'committed', 'rolled_back', 'quarantined', 'dropped'],
    terminal: ['rolled_back', 'dropped'],
    edges: [
      'created validated validation_passed SSOT',
      'created quarantined validation_failed SSOT',
      'validated queued accepted SSOT',
      'validated quarantined policy_violation SSOT',
      'queued applied apply_succeeded SSOT',
      'queued apply_failed apply_failed SSOT',
      'applied verified tests_passed SSOT',
      'applied quarantined tests_failed SSOT',
      'apply_failed quarantined auto_quarantine SSOT',
      'apply_failed dropped drop SSOT',
      'verified committed commit_succeeded SSOT',
      'committed rolled_back rollback SSOT',
      'apply_failed queued retry_apply EXT-3',
      'quarantined dropped drop EXT-4',
    ],
    invalid: ['committed created', 'committed queued'],
  },
  test_gate: {
    states: ['PENDING', 'RUNNING', 'PASSED', 'FAILED', 'BLOCKED'],
    terminal: ['PASSED', 'FAILED'],
    edges: [
      'PENDING RUNNING start SSOT',
      'PENDING BLOCKED dependency_failed SSOT',
      'RUNNING PASSED command_succeeded SSOT',
      'RUNNING FAILED command_failed SSOT',
      'RUNNING FAILED timeout_exceeded SSOT',
      'RUNNING PASSED approved EXT-6',
      'RUNNING FAILED rejected EXT-6',
      'RUNNING FAILED abandoned EXT-9',
      'BLOCKED PENDING dependency_passed SSOT',
    ],
    invalid: ['FAILED PASSED', 'RUNNING PENDING'],
  },
  circuit_breaker: {
    states: ['CLOSED', 'OPEN', 'HALF_OPEN'],
    terminal: [],
    edges: [
      'CLOSED OPEN call_failed SSOT',
      'OPEN HALF_OPEN cooldown_elapsed SSOT',
      'HALF_OPEN CLOSED call_succeeded SSOT',
      'HALF_OPEN OPEN call_failed SSOT',
    ],
    invalid: [],
  },
};
