import { UnknownEntityTableError } from './errors.js';

/** The eight persisted entity types (docs/design/machines.md; R-7), hard-coded here because persistence must not import machines. */
export const PERSISTED_ENTITY_TYPES = ['run', 'workstream', 'task', 'worker', 'uet_worker', 'patch_ledger', 'test_gate', 'circuit_breaker'] as const;
/** One persisted entity type. */
export type PersistedEntityType = (typeof PERSISTED_ENTITY_TYPES)[number];

/** SQL type of a writable column, used to cast parameters and encode values. */
export type SqlColumnType = 'text' | 'integer' | 'boolean' | 'jsonb' | 'timestamptz' | 'double precision';

/** What the persistence layer knows about one entity table. */
export interface EntityTableInfo {
  readonly entityType: PersistedEntityType;
  readonly table: EntityTableName;
  /** Writable columns beyond the managed ones, by name, with their SQL type; names equal machine context fields. */
  readonly columns: Readonly<Record<string, SqlColumnType>>;
}

/** Names of the eight entity tables. */
export type EntityTableName =
  | 'runs'
  | 'workstreams'
  | 'tasks'
  | 'workers'
  | 'uet_workers'
  | 'patch_ledger_entries'
  | 'test_gates'
  | 'circuit_breakers';

/** Columns every entity table has and that only this layer writes (id, state, snapshot, version, hashes, times). */
export const MANAGED_COLUMNS = ['id', 'state', 'snapshot', 'version', 'machine_version', 'last_hash', 'created_at', 'updated_at'] as const;

const T = 'text';
const I = 'integer';
const B = 'boolean';
const J = 'jsonb';
const TS = 'timestamptz';

/** Every entity table with its writable columns (SSOT §6.1–6.7, R-7); must match migrations 0001 and 0004 (a test compares them). */
export const ENTITY_TABLES: Readonly<Record<PersistedEntityType, EntityTableInfo>> = {
  run: { entityType: 'run', table: 'runs', columns: { phase_id: T, retry_of: T, started_at: TS, completed_at: TS } },
  workstream: {
    entityType: 'workstream',
    table: 'workstreams',
    columns: {
      run_id: T, phase_id: T, retry_of: T, critical: B, depends_on: J, planned_task_count: I, quarantined_ledger_ids: J,
      started_at: TS, completed_at: TS,
    },
  },
  task: {
    entityType: 'task',
    table: 'tasks',
    columns: {
      run_id: T, workstream_id: T, phase_id: T, retry_of: T, is_critical: B, retry_count: I, max_retries: I, timeout_sec: I,
      worker_id: T, started_at: TS, completed_at: TS, cancelled_at: TS, retry_at: TS, deadline_at: TS, last_error: T,
      blocked_by: J, depends_on: J, required_capabilities: J, gate_dependencies: J, expected_exit: J, timeout_occurred: B,
    },
  },
  worker: {
    entityType: 'worker',
    table: 'workers',
    columns: {
      run_id: T, phase_id: T, pool_id: T, capabilities: J, max_concurrent_tasks: I, current_load: I, affinity: J, current_tasks: J,
      last_heartbeat: TS, unresponsive_since: TS, shutdown_at: TS,
    },
  },
  uet_worker: {
    entityType: 'uet_worker',
    table: 'uet_workers',
    columns: { run_id: T, phase_id: T, affinity: J, current_task: T, last_heartbeat: TS, terminated_at: TS, crashed: B, last_error: T },
  },
  patch_ledger: {
    entityType: 'patch_ledger',
    table: 'patch_ledger_entries',
    columns: {
      patch_id: T, task_id: T, workstream_id: T, run_id: T, phase_id: T, retry_of: T, apply_attempts: I,
      validation_format: B, validation_scope: B, validation_constraints: B, validation_tests: B,
      quarantine_reason: T, quarantined_at: TS, rollback_reason: T, rolled_back_at: TS, commit_sha: T, last_error: T,
      state_history: J,
    },
  },
  test_gate: {
    entityType: 'test_gate',
    table: 'test_gates',
    columns: {
      run_id: T, workstream_id: T, phase_id: T, task_id: T, retry_of: T, gate_type: T, depends_on: J, expected_exit: I, timeout_sec: I,
      exit_code: I, started_at: TS, completed_at: TS, duration_ms: I, timed_out: B,
      stdout: T, stderr: T, stdout_truncated: B, stderr_truncated: B,
    },
  },
  circuit_breaker: {
    entityType: 'circuit_breaker',
    table: 'circuit_breakers',
    columns: {
      run_id: T, phase_id: T, failure_count: I, success_count: I, failure_threshold: I, cooldown_seconds: 'double precision', success_threshold: I,
      opened_at: TS, last_error: T,
    },
  },
};

/** The table description of an entity type; `UnknownEntityTableError` for anything else. */
export function entityTable(entityType: string): EntityTableInfo {
  const info = (ENTITY_TABLES as Record<string, EntityTableInfo | undefined>)[entityType];
  if (!info || !Object.hasOwn(ENTITY_TABLES, entityType)) throw new UnknownEntityTableError(entityType);
  return info;
}
