import { afterAll, beforeAll, describe } from 'vitest';
import { at } from '../support/audit-fixtures.js';
import { insertCases, updateCases } from '../support/constraint-cases.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// SSOT §6.3 and the Task invariants of §1.4.5: raw writes that the database must refuse.

describe.each(testDatabases())('tasks constraints (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  insertCases(() => h, 'task', [
    { name: 'queued after a retry keeps started_at', state: 'queued', set: { started_at: at(1), retry_count: 1 }, constraint: 'ok' },
    { name: 'retry_count equal to max_retries', state: 'retrying', set: { retry_count: 3, max_retries: 3 }, constraint: 'ok' },
    { name: 'running without worker_id', state: 'running', set: { worker_id: null }, constraint: 'tasks_worker_id_iff_state' },
    { name: 'queued with worker_id', state: 'queued', set: { worker_id: 'w1' }, constraint: 'tasks_worker_id_iff_state' },
    { name: 'validating with worker_id', state: 'validating', set: { worker_id: 'w1' }, constraint: 'tasks_worker_id_iff_state' },
    { name: 'completed with worker_id', state: 'completed', set: { worker_id: 'w1' }, constraint: 'tasks_worker_id_iff_state' },
    { name: 'running without started_at', state: 'running', set: { started_at: null }, constraint: 'tasks_started_at_required_in_state' },
    { name: 'validating without started_at', state: 'validating', set: { started_at: null }, constraint: 'tasks_started_at_required_in_state' },
    { name: 'completed without completed_at', state: 'completed', set: { completed_at: null }, constraint: 'tasks_completed_at_iff_state' },
    { name: 'failed without completed_at', state: 'failed', set: { completed_at: null }, constraint: 'tasks_completed_at_iff_state' },
    { name: 'running with completed_at', state: 'running', set: { completed_at: at(2) }, constraint: 'tasks_completed_at_iff_state' },
    { name: 'cancelled with completed_at', state: 'cancelled', set: { completed_at: at(2) }, constraint: 'tasks_completed_at_iff_state' },
    { name: 'cancelled without cancelled_at', state: 'cancelled', set: { cancelled_at: null }, constraint: 'tasks_cancelled_at_iff_state' },
    { name: 'failed with cancelled_at', state: 'failed', set: { cancelled_at: at(2) }, constraint: 'tasks_cancelled_at_iff_state' },
    { name: 'retrying without retry_at', state: 'retrying', set: { retry_at: null }, constraint: 'tasks_retry_at_iff_state' },
    { name: 'queued with retry_at', state: 'queued', set: { retry_at: at(2) }, constraint: 'tasks_retry_at_iff_state' },
    { name: 'retry_count above max_retries', state: 'retrying', set: { retry_count: 4, max_retries: 3 }, constraint: 'tasks_retry_count_within_max' },
    { name: 'negative retry_count', state: 'pending', set: { retry_count: -1 }, constraint: 'tasks_retry_count_nonneg' },
    { name: 'negative max_retries', state: 'pending', set: { max_retries: -1, retry_count: 0 }, constraint: 'tasks_max_retries_nonneg' },
    { name: 'timeout_sec 0', state: 'pending', set: { timeout_sec: 0 }, constraint: 'tasks_timeout_sec_positive' },
    { name: 'started before created', state: 'running', set: { started_at: at(-1) }, constraint: 'tasks_started_at_after_created_at' },
    { name: 'completed before started', state: 'completed', set: { started_at: at(3), completed_at: at(2) }, constraint: 'tasks_completed_at_after_started_at' },
    { name: 'completed before created', state: 'failed', set: { started_at: null, completed_at: at(-1) }, constraint: 'tasks_completed_at_after_created_at' },
    { name: 'cancelled before created', state: 'cancelled', set: { cancelled_at: at(-1) }, constraint: 'tasks_cancelled_at_after_created_at' },
    { name: 'depends_on not an array', state: 'pending', set: { depends_on: 'x' }, constraint: 'tasks_depends_on_is_array' },
    { name: 'required_capabilities not an array', state: 'pending', set: { required_capabilities: {} }, constraint: 'tasks_required_capabilities_is_array' },
    { name: 'unknown workstream', state: 'pending', set: { workstream_id: 'nope' }, constraint: 'tasks_workstream_id_fkey' },
    { name: 'retry_of an unknown task', state: 'pending', set: { retry_of: 'nope' }, constraint: 'tasks_retry_of_fkey' },
  ]);

  updateCases(() => h, 'task', [
    { name: 'queued → running with worker and start', from: 'queued', set: { state: 'running', worker_id: 'w9', started_at: at(1) }, constraint: 'ok' },
    { name: 'queued → running without worker_id', from: 'queued', set: { state: 'running', started_at: at(1) }, constraint: 'tasks_worker_id_iff_state' },
    { name: 'running → validating keeping worker_id', from: 'running', set: { state: 'validating' }, constraint: 'tasks_worker_id_iff_state' },
    { name: 'running → retrying beyond max_retries', from: 'running', set: { state: 'retrying', worker_id: null, retry_at: at(5), retry_count: 4 }, constraint: 'tasks_retry_count_within_max' },
    { name: 'retrying → queued keeping retry_at', from: 'retrying', set: { state: 'queued' }, constraint: 'tasks_retry_at_iff_state' },
  ]);
});
