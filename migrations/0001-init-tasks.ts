import { check, createTable, entityBase, jsonArray, notBefore, presentIn } from './0001-init-parts.js';

// Frozen with migration 0001 (append-only). State list hard-coded on purpose; a test checks it
// against machines/ (machineCatalog.task.states).

const TASK_STATES = ['pending', 'queued', 'blocked', 'running', 'validating', 'retrying', 'completed', 'failed', 'cancelled'];

/** DDL of `tasks` (SSOT §6.3, invariants §1.4.5) for migration 0001. */
export const initTasksDdl: readonly string[] = [
  createTable('tasks', [
    ...entityBase('tasks', TASK_STATES),
    'run_id text REFERENCES runs (id)',
    'workstream_id text REFERENCES workstreams (id)',
    'retry_of text REFERENCES tasks (id)',
    'is_critical boolean NOT NULL DEFAULT false',
    `retry_count integer NOT NULL DEFAULT 0 ${check('tasks', 'retry_count_nonneg', 'retry_count >= 0')}`,
    `max_retries integer NOT NULL DEFAULT 3 ${check('tasks', 'max_retries_nonneg', 'max_retries >= 0')}`,
    `timeout_sec integer NOT NULL DEFAULT 1800 ${check('tasks', 'timeout_sec_positive', 'timeout_sec > 0')}`,
    'worker_id text',
    'started_at timestamptz',
    'completed_at timestamptz',
    'cancelled_at timestamptz',
    'retry_at timestamptz',
    'deadline_at timestamptz',
    'last_error text',
    `blocked_by jsonb NOT NULL DEFAULT '[]'::jsonb`,
    `depends_on jsonb NOT NULL DEFAULT '[]'::jsonb`,
    `required_capabilities jsonb NOT NULL DEFAULT '[]'::jsonb`,
    `gate_dependencies jsonb NOT NULL DEFAULT '[]'::jsonb`,
    `expected_exit jsonb NOT NULL DEFAULT '[0]'::jsonb`,
    'timeout_occurred boolean NOT NULL DEFAULT false',
    jsonArray('tasks', 'blocked_by'),
    jsonArray('tasks', 'depends_on'),
    jsonArray('tasks', 'required_capabilities'),
    jsonArray('tasks', 'gate_dependencies'),
    jsonArray('tasks', 'expected_exit'),
    // SSOT §1.4.5 inv. 4.
    check('tasks', 'retry_count_within_max', 'retry_count <= max_retries'),
    // SSOT §1.4.5 inv. 3: worker_id is non-null exactly in running.
    presentIn('tasks', 'worker_id', ['running']),
    check('tasks', 'started_at_when_executing', `state NOT IN ('running', 'validating') OR started_at IS NOT NULL`),
    presentIn('tasks', 'completed_at', ['completed', 'failed']),
    presentIn('tasks', 'cancelled_at', ['cancelled']),
    // The backoff due time is stored so a restarted engine keeps it (SSOT §1.4).
    presentIn('tasks', 'retry_at', ['retrying']),
    // SSOT §1.4.5 inv. 5: created_at ≤ started_at ≤ completed_at.
    notBefore('tasks', 'started_at', 'created_at'),
    notBefore('tasks', 'completed_at', 'created_at'),
    notBefore('tasks', 'completed_at', 'started_at'),
    notBefore('tasks', 'cancelled_at', 'created_at'),
  ]),
  'CREATE INDEX tasks_state_idx ON tasks (state)',
  'CREATE INDEX tasks_run_id_idx ON tasks (run_id)',
  'CREATE INDEX tasks_workstream_id_idx ON tasks (workstream_id)',
  'CREATE INDEX tasks_worker_id_idx ON tasks (worker_id) WHERE worker_id IS NOT NULL',
  // SSOT §4.3.1: claiming queued tasks (FOR UPDATE SKIP LOCKED) in FIFO order.
  `CREATE INDEX tasks_queued_claim_idx ON tasks (created_at, id) WHERE state = 'queued'`,
  // Timers that survive a restart (docs/design/engine.md §3): retry due times and running deadlines.
  `CREATE INDEX tasks_retry_due_idx ON tasks (retry_at) WHERE state = 'retrying'`,
  `CREATE INDEX tasks_deadline_idx ON tasks (deadline_at) WHERE state = 'running'`,
];

/** Reverse of {@link initTasksDdl}. */
export const dropTasksDdl: readonly string[] = ['DROP TABLE tasks'];
