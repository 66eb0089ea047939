import type { Kysely } from 'kysely';
import { ConstraintViolationError, ENTITY_TABLES, encodeValue, mapDbError, type Database, type PersistedEntityType } from '../../persistence/index.js';
import { at, fakeHash } from './audit-fixtures.js';

const T0 = at(0);
const T1 = at(1);
const T2 = at(2);

/** Columns that make a row legal in each state, as the machines produce them (SSOT tables). */
const BY_STATE: Readonly<Record<PersistedEntityType, Readonly<Record<string, Record<string, unknown>>>>> = {
  run: {
    pending: {},
    running: { started_at: T1 },
    succeeded: { started_at: T1, completed_at: T2 },
    failed: { started_at: T1, completed_at: T2 },
    canceled: { completed_at: T2 },
  },
  workstream: {
    planned: {}, ready: {}, blocked: {},
    executing: { started_at: T1 }, validating: { started_at: T1 },
    completed: { started_at: T1, completed_at: T2 }, failed: { started_at: T1, completed_at: T2 },
    cancelled: { completed_at: T2 }, skipped: { completed_at: T2 },
  },
  task: {
    pending: {}, queued: {}, blocked: { blocked_by: ['dep'] },
    running: { worker_id: 'w1', started_at: T1, deadline_at: T2 },
    validating: { started_at: T1 },
    retrying: { started_at: T1, retry_count: 1, retry_at: T2, last_error: 'exit code 1' },
    completed: { started_at: T1, completed_at: T2 }, failed: { started_at: T1, completed_at: T2, last_error: 'boom' },
    cancelled: { cancelled_at: T2 },
  },
  worker: {
    initializing: {}, idle: { capabilities: ['node'], last_heartbeat: T1 },
    busy: { current_load: 1, current_tasks: ['t1'], last_heartbeat: T1 },
    unresponsive: { unresponsive_since: T2 }, shutdown: { shutdown_at: T2 },
  },
  uet_worker: {
    SPAWNING: {}, IDLE: { last_heartbeat: T1 }, BUSY: { current_task: 't1' }, DRAINING: { current_task: 't1' },
    TERMINATED: { terminated_at: T2 },
  },
  patch_ledger: {
    created: {},
    validated: { validation_format: true, validation_scope: true, validation_constraints: true },
    queued: { validation_format: true, validation_scope: true, validation_constraints: true },
    applied: { validation_format: true, validation_scope: true, validation_constraints: true, apply_attempts: 1 },
    apply_failed: { validation_format: true, validation_scope: true, validation_constraints: true, apply_attempts: 1 },
    verified: { validation_format: true, validation_scope: true, validation_constraints: true, validation_tests: true, apply_attempts: 1 },
    committed: { validation_format: true, validation_scope: true, validation_constraints: true, validation_tests: true, apply_attempts: 1, commit_sha: 'abc1234' },
    rolled_back: {
      validation_format: true, validation_scope: true, validation_constraints: true, validation_tests: true, apply_attempts: 1,
      commit_sha: 'abc1234', rollback_reason: 'regression', rolled_back_at: T2,
    },
    quarantined: { quarantine_reason: 'scope violation', quarantined_at: T1 },
    dropped: { validation_format: true, validation_scope: true, validation_constraints: true, apply_attempts: 1 },
  },
  test_gate: {
    PENDING: {}, BLOCKED: {}, RUNNING: { started_at: T1 },
    PASSED: { started_at: T1, completed_at: T2, exit_code: 0, duration_ms: 1000, stdout: 'ok' },
    FAILED: { started_at: T1, completed_at: T2, exit_code: 1, duration_ms: 1000, stderr: 'bad' },
  },
  circuit_breaker: { CLOSED: {}, OPEN: { failure_count: 5, opened_at: T1 }, HALF_OPEN: { failure_count: 5, opened_at: T1 } },
};

/** Required columns that are not state-dependent. */
const ALWAYS: Readonly<Partial<Record<PersistedEntityType, Record<string, unknown>>>> = { test_gate: { gate_type: 'UNIT' } };

/** The states a legal row can be built for (the migration's view; tests compare it with the machines). */
export function legalStates(entityType: PersistedEntityType): string[] {
  return Object.keys(BY_STATE[entityType]);
}

/** A complete legal row of `entityType` in `state` (created at T0, updated at T0), before encoding. */
export function legalRow(entityType: PersistedEntityType, state: string, id: string): Record<string, unknown> {
  const cols = BY_STATE[entityType][state];
  if (!cols) throw new Error(`no legal row for ${entityType} in ${state}`);
  return {
    id, state, snapshot: { value: state }, version: 1, machine_version: 'test', last_hash: fakeHash(id),
    created_at: T0, updated_at: T0, ...ALWAYS[entityType], ...cols,
  };
}

const BASE_TYPES = { id: 'text', state: 'text', snapshot: 'jsonb', version: 'integer', machine_version: 'text', last_hash: 'text', created_at: 'timestamptz', updated_at: 'timestamptz' } as const;

/** Inserts a raw row (bypassing the layer's API) with values encoded for their column types. */
export async function rawInsert(db: Kysely<Database>, entityType: PersistedEntityType, row: Record<string, unknown>): Promise<void> {
  const info = ENTITY_TABLES[entityType];
  const types: Record<string, string> = { ...BASE_TYPES, ...info.columns };
  const encoded: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const type = types[k];
    encoded[k] = type ? encodeValue(type as never, v) : v;
  }
  await (db as Kysely<any>).insertInto(info.table).values(encoded).execute();
}

/** Inserts a raw row and reports `'ok'` or the name of the constraint that rejected it (other errors propagate). */
export async function insertOutcome(db: Kysely<Database>, entityType: PersistedEntityType, row: Record<string, unknown>): Promise<string> {
  try {
    await rawInsert(db, entityType, row);
    return 'ok';
  } catch (error) {
    const mapped = mapDbError(error);
    if (mapped instanceof ConstraintViolationError) return mapped.constraint ?? `${mapped.kind}(${mapped.column ?? '?'})`;
    throw error;
  }
}
