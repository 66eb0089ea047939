import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** A `timestamptz` column: read as `Date`, written as `Date` or an ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A nullable `timestamptz` column. */
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** A `jsonb` column: read parsed, written as a JSON string (node-postgres would send JS arrays as SQL arrays). */
export type Json<T extends object | null = Record<string, unknown>> = JSONColumnType<T, string, string>;
/** A nullable `jsonb` column. */
export type NullableJson<T = unknown> = ColumnType<T | null, string | null | undefined, string | null>;

/** Columns every entity table has (docs/design/engine.md §3). */
export interface EntityBase {
  id: string;
  state: string;
  snapshot: Json<Record<string, unknown>>;
  version: number;
  machine_version: string;
  last_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** `phases`: one row per phase with its patch policy (SSOT §6). */
export interface PhasesTable {
  id: string;
  name: string;
  policy: Json<Record<string, unknown>>;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** `runs` (SSOT §6.1). */
export interface RunsTable extends EntityBase {
  phase_id: string | null;
  retry_of: string | null;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

/** `workstreams` (SSOT §6.2). */
export interface WorkstreamsTable extends EntityBase {
  run_id: string | null;
  retry_of: string | null;
  critical: boolean;
  depends_on: Json<string[]>;
  planned_task_count: number;
  quarantined_ledger_ids: Json<string[]>;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

/** `tasks` (SSOT §6.3). */
export interface TasksTable extends EntityBase {
  run_id: string | null;
  workstream_id: string | null;
  retry_of: string | null;
  is_critical: boolean;
  retry_count: number;
  max_retries: number;
  timeout_sec: number;
  worker_id: string | null;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  retry_at: NullableTimestamp;
  deadline_at: NullableTimestamp;
  last_error: string | null;
  blocked_by: Json<string[]>;
  depends_on: Json<string[]>;
  required_capabilities: Json<string[]>;
  gate_dependencies: Json<string[]>;
  expected_exit: Json<number[]>;
  timeout_occurred: boolean;
}

/** `workers`: orchestration workers (SSOT §1.5, R-7). */
export interface WorkersTable extends EntityBase {
  run_id: string | null;
  pool_id: string | null;
  capabilities: Json<string[]>;
  max_concurrent_tasks: number;
  current_load: number;
  affinity: Json<string[]>;
  current_tasks: Json<string[]>;
  last_heartbeat: NullableTimestamp;
  unresponsive_since: NullableTimestamp;
  shutdown_at: NullableTimestamp;
}

/** `uet_workers` (SSOT §2.1, R-7). */
export interface UetWorkersTable extends EntityBase {
  run_id: string | null;
  affinity: Json<string[]>;
  current_task: string | null;
  last_heartbeat: NullableTimestamp;
  terminated_at: NullableTimestamp;
  crashed: boolean;
  last_error: string | null;
}

/** `patches`: the diff a task produced (SSOT §6.4). */
export interface PatchesTable {
  id: string;
  task_id: string | null;
  workstream_id: string | null;
  run_id: string | null;
  diff: string;
  files: Json<string[]>;
  bytes: number;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** The commit a handed-back diff was made against (migration 0011, `run.remote`); null for the engine's own diffs. */
  base_commit: ColumnType<string | null, string | null | undefined, string | null>;
}

/** `patch_ledger_entries` (SSOT §6.5). */
export interface PatchLedgerEntriesTable extends EntityBase {
  patch_id: string | null;
  task_id: string | null;
  workstream_id: string | null;
  run_id: string | null;
  retry_of: string | null;
  apply_attempts: number;
  validation_format: boolean;
  validation_scope: boolean;
  validation_constraints: boolean;
  validation_tests: boolean;
  quarantine_reason: string | null;
  quarantined_at: NullableTimestamp;
  rollback_reason: string | null;
  rolled_back_at: NullableTimestamp;
  commit_sha: string | null;
  last_error: string | null;
  state_history: Json<{ state: string; at: number; event: string }[]>;
}

/** `test_gates` (SSOT §6.6). */
export interface TestGatesTable extends EntityBase {
  run_id: string | null;
  workstream_id: string | null;
  task_id: string | null;
  retry_of: string | null;
  gate_type: 'LINT' | 'UNIT' | 'INTEGRATION' | 'SECURITY' | 'MANUAL';
  depends_on: Json<string[]>;
  expected_exit: number;
  timeout_sec: number;
  exit_code: number | null;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  duration_ms: number | null;
  timed_out: boolean;
  stdout: string | null;
  stderr: string | null;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
}

/** `circuit_breakers`, one per tool id (SSOT §2.4, R-7). */
export interface CircuitBreakersTable extends EntityBase {
  failure_count: number;
  success_count: number;
  failure_threshold: number;
  cooldown_seconds: number;
  success_threshold: number;
  opened_at: NullableTimestamp;
  last_error: string | null;
}

/** `state_transitions`: the append-only, hash-chained audit log (SSOT §6.7, §8.5). */
export interface StateTransitionsTable {
  /** bigserial; node-postgres returns int8 as a string. */
  id: Generated<string>;
  event_id: string;
  entity_type: string;
  entity_id: string;
  seq: number;
  from_state: string | null;
  to_state: string;
  trigger: string;
  reason: string | null;
  metadata: Json<Record<string, unknown>>;
  operator: string | null;
  run_id: string | null;
  workstream_id: string | null;
  phase_id: string | null;
  severity: 'info' | 'warning' | 'error' | 'critical';
  transitioned_at: Timestamp;
  prev_hash: string | null;
  hash: string;
}

/** `run_sources` (migration 0003): what a run was started from and its engine's liveness. */
export interface RunSourcesTable {
  run_id: string;
  plan: Json<Record<string, unknown>>;
  plan_file: string | null;
  state_dir: string;
  engine_host: string;
  engine_pid: number | null;
  engine_heartbeat_at: NullableTimestamp;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** `audit_checkpoints` (migration 0004): signed digests of every audit chain head. */
export interface AuditCheckpointsTable {
  /** bigserial; node-postgres returns int8 as a string. */
  id: Generated<string>;
  created_at: Timestamp;
  head_count: number;
  /** Every chain head: [entity_type, entity_id, seq, hash]. */
  heads: Json<[string, string, number, string][]>;
  digest: string;
  /** Ed25519 signature of the digest, base64. */
  signature: string;
  /** SHA-256 (hex) of the signing public key (SPKI DER). */
  key_fingerprint: string;
  run_id: string | null;
}

/** `task_attempt_outputs` (migration 0007): what each task attempt printed, capped per stream. */
export interface TaskAttemptOutputsTable {
  task_id: string;
  /** 1 for the first attempt (the task's retry count + 1 when it ran). */
  attempt: number;
  run_id: string | null;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  recorded_at: Timestamp;
}

/** `task_attempt_bases` (migration 0011): the commit the engine named for an attempt of a `run.remote` run (issue 16). */
export interface TaskAttemptBasesTable {
  task_id: string;
  /** 1 for the first attempt. */
  attempt: number;
  run_id: string;
  base_commit: string;
  /** Why the engine could not push the base to the remote; null when it did. */
  publish_error: string | null;
  /** The worker that handed the attempt's result back through the database; null until then. */
  handed_back_by: string | null;
  handed_back_at: NullableTimestamp;
  recorded_at: Timestamp;
}

/** `task_attempt_usage` (migration 0009): what each task attempt reported it spent (issue 15). */
export interface TaskAttemptUsageTable {
  task_id: string;
  /** 1 for the first attempt. */
  attempt: number;
  run_id: string;
  /** The workstream's entity id. */
  workstream_id: string;
  /** The task's tool (its breaker key). */
  tool: string;
  /** bigint: read as a string. */
  input_tokens: ColumnType<string, number, number>;
  output_tokens: ColumnType<string, number, number>;
  cost_usd: number;
  recorded_at: Timestamp;
}

/** The typed schema of the migrations, for `Kysely<Database>`. */
export interface Database {
  phases: PhasesTable;
  runs: RunsTable;
  workstreams: WorkstreamsTable;
  tasks: TasksTable;
  workers: WorkersTable;
  uet_workers: UetWorkersTable;
  patches: PatchesTable;
  patch_ledger_entries: PatchLedgerEntriesTable;
  test_gates: TestGatesTable;
  circuit_breakers: CircuitBreakersTable;
  state_transitions: StateTransitionsTable;
  run_sources: RunSourcesTable;
  audit_checkpoints: AuditCheckpointsTable;
  task_attempt_outputs: TaskAttemptOutputsTable;
  task_attempt_usage: TaskAttemptUsageTable;
  task_attempt_bases: TaskAttemptBasesTable;
}
