import { check, createTable, entityBase, jsonArray, notBefore, presentIn } from './0001-init-parts.js';

// Frozen with migration 0001 (append-only). State list hard-coded on purpose; a test checks it
// against machines/ (machineCatalog.test_gate.states).

const GATE_STATES = ['PENDING', 'RUNNING', 'PASSED', 'FAILED', 'BLOCKED'];
const T = 'test_gates';

/** DDL of `test_gates` (SSOT §6.6, §2.3) for migration 0001. */
export const initGatesDdl: readonly string[] = [
  createTable(T, [
    ...entityBase(T, GATE_STATES),
    'run_id text REFERENCES runs (id)',
    'workstream_id text REFERENCES workstreams (id)',
    'task_id text REFERENCES tasks (id)',
    // SSOT §8.2.3 exception 2: a re-run is a new gate row pointing at the failed one.
    `retry_of text REFERENCES ${T} (id)`,
    `gate_type text NOT NULL ${check(T, 'gate_type_valid', `gate_type IN ('LINT', 'UNIT', 'INTEGRATION', 'SECURITY')`)}`,
    `depends_on jsonb NOT NULL DEFAULT '[]'::jsonb`,
    'expected_exit integer NOT NULL DEFAULT 0',
    `timeout_sec integer NOT NULL DEFAULT 600 ${check(T, 'timeout_sec_positive', 'timeout_sec > 0')}`,
    'exit_code integer',
    'started_at timestamptz',
    'completed_at timestamptz',
    `duration_ms integer ${check(T, 'duration_nonneg', 'duration_ms >= 0')}`,
    'timed_out boolean NOT NULL DEFAULT false',
    'stdout text',
    'stderr text',
    'stdout_truncated boolean NOT NULL DEFAULT false',
    'stderr_truncated boolean NOT NULL DEFAULT false',
    jsonArray(T, 'depends_on'),
    // SSOT §2.3, §6.6: PASSED/FAILED record exit code and completion; started_at from RUNNING on.
    presentIn(T, 'exit_code', ['PASSED', 'FAILED']),
    presentIn(T, 'completed_at', ['PASSED', 'FAILED']),
    presentIn(T, 'started_at', ['RUNNING', 'PASSED', 'FAILED']),
    // SSOT §2.3: PASSED means the exit code equals the expected one.
    check(T, 'passed_exit_expected', `state <> 'PASSED' OR exit_code = expected_exit`),
    notBefore(T, 'started_at', 'created_at'),
    notBefore(T, 'completed_at', 'started_at'),
  ]),
  `CREATE INDEX ${T}_state_idx ON ${T} (state)`,
  `CREATE INDEX ${T}_run_id_idx ON ${T} (run_id)`,
  `CREATE INDEX ${T}_workstream_id_idx ON ${T} (workstream_id)`,
  `CREATE INDEX ${T}_task_id_idx ON ${T} (task_id)`,
  `CREATE INDEX ${T}_retry_of_idx ON ${T} (retry_of) WHERE retry_of IS NOT NULL`,
];

/** Reverse of {@link initGatesDdl}. */
export const dropGatesDdl: readonly string[] = [`DROP TABLE ${T}`];
