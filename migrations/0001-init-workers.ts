import { check, createTable, entityBase, jsonArray, notBefore, presentIn } from './0001-init-parts.js';

// Frozen with migration 0001 (append-only). State lists hard-coded on purpose; a test checks them
// against machines/ (machineCatalog[type].states).

const WORKER_STATES = ['initializing', 'idle', 'busy', 'unresponsive', 'shutdown'];
const UET_WORKER_STATES = ['SPAWNING', 'IDLE', 'BUSY', 'DRAINING', 'TERMINATED'];
const CIRCUIT_BREAKER_STATES = ['CLOSED', 'OPEN', 'HALF_OPEN'];

/** DDL of `workers`, `uet_workers` and `circuit_breakers` (SSOT §1.5, §2.1, §2.4, R-7) for migration 0001. */
export const initWorkersDdl: readonly string[] = [
  createTable('workers', [
    ...entityBase('workers', WORKER_STATES),
    'run_id text REFERENCES runs (id)',
    'pool_id text',
    `capabilities jsonb NOT NULL DEFAULT '[]'::jsonb`,
    `max_concurrent_tasks integer NOT NULL DEFAULT 1 ${check('workers', 'max_concurrent_positive', 'max_concurrent_tasks >= 1')}`,
    `current_load integer NOT NULL DEFAULT 0 ${check('workers', 'current_load_nonneg', 'current_load >= 0')}`,
    `affinity jsonb NOT NULL DEFAULT '[]'::jsonb`,
    `current_tasks jsonb NOT NULL DEFAULT '[]'::jsonb`,
    'last_heartbeat timestamptz',
    'unresponsive_since timestamptz',
    'shutdown_at timestamptz',
    jsonArray('workers', 'capabilities'),
    jsonArray('workers', 'affinity'),
    jsonArray('workers', 'current_tasks'),
    // SSOT §1.5 invariants.
    check('workers', 'load_within_capacity', 'current_load <= max_concurrent_tasks'),
    presentIn('workers', 'shutdown_at', ['shutdown']),
    notBefore('workers', 'shutdown_at', 'created_at'),
  ]),
  'CREATE INDEX workers_state_idx ON workers (state)',
  'CREATE INDEX workers_run_id_idx ON workers (run_id)',
  // Heartbeat deadlines (SSOT §5.1 stuck detection) are found from the stored timestamp.
  `CREATE INDEX workers_heartbeat_idx ON workers (last_heartbeat) WHERE state IN ('idle', 'busy', 'unresponsive')`,

  createTable('uet_workers', [
    ...entityBase('uet_workers', UET_WORKER_STATES),
    'run_id text REFERENCES runs (id)',
    `affinity jsonb NOT NULL DEFAULT '[]'::jsonb`,
    'current_task text',
    'last_heartbeat timestamptz',
    'terminated_at timestamptz',
    'crashed boolean NOT NULL DEFAULT false',
    'last_error text',
    jsonArray('uet_workers', 'affinity'),
    // SSOT §2.1: terminated_at set exactly in TERMINATED.
    presentIn('uet_workers', 'terminated_at', ['TERMINATED']),
    notBefore('uet_workers', 'terminated_at', 'created_at'),
  ]),
  'CREATE INDEX uet_workers_state_idx ON uet_workers (state)',
  'CREATE INDEX uet_workers_run_id_idx ON uet_workers (run_id)',

  createTable('circuit_breakers', [
    ...entityBase('circuit_breakers', CIRCUIT_BREAKER_STATES),
    `failure_count integer NOT NULL DEFAULT 0 ${check('circuit_breakers', 'failure_count_nonneg', 'failure_count >= 0')}`,
    `success_count integer NOT NULL DEFAULT 0 ${check('circuit_breakers', 'success_count_nonneg', 'success_count >= 0')}`,
    `failure_threshold integer NOT NULL DEFAULT 5 ${check('circuit_breakers', 'failure_threshold_positive', 'failure_threshold >= 1')}`,
    `cooldown_seconds double precision NOT NULL DEFAULT 60 ${check('circuit_breakers', 'cooldown_nonneg', 'cooldown_seconds >= 0')}`,
    `success_threshold integer NOT NULL DEFAULT 1 ${check('circuit_breakers', 'success_threshold_positive', 'success_threshold >= 1')}`,
    'opened_at timestamptz',
    'last_error text',
    // SSOT §2.4: opened_at (start of the cooldown) exactly while OPEN or HALF_OPEN.
    presentIn('circuit_breakers', 'opened_at', ['OPEN', 'HALF_OPEN']),
    notBefore('circuit_breakers', 'opened_at', 'created_at'),
  ]),
  'CREATE INDEX circuit_breakers_state_idx ON circuit_breakers (state)',
];

/** Reverse of {@link initWorkersDdl}. */
export const dropWorkersDdl: readonly string[] = ['DROP TABLE circuit_breakers', 'DROP TABLE uet_workers', 'DROP TABLE workers'];
