import { afterAll, beforeAll, describe } from 'vitest';
import { at } from '../support/audit-fixtures.js';
import { insertCases, updateCases } from '../support/constraint-cases.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// SSOT §1.5 (workers), §2.1 (UET workers), §2.4 (circuit breakers), R-7: raw writes that must be refused.

describe.each(testDatabases())('workers, UET workers and circuit breakers constraints (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  describe('workers', () => {
    insertCases(() => h, 'worker', [
      { name: 'busy at full capacity', state: 'busy', set: { current_load: 2, max_concurrent_tasks: 2 }, constraint: 'ok' },
      { name: 'load above max_concurrent_tasks', state: 'busy', set: { current_load: 2, max_concurrent_tasks: 1 }, constraint: 'workers_load_within_capacity' },
      { name: 'negative load', state: 'idle', set: { current_load: -1 }, constraint: 'workers_current_load_nonneg' },
      { name: 'max_concurrent_tasks 0', state: 'idle', set: { max_concurrent_tasks: 0 }, constraint: 'workers_max_concurrent_positive' },
      { name: 'shutdown without shutdown_at', state: 'shutdown', set: { shutdown_at: null }, constraint: 'workers_shutdown_at_iff_state' },
      { name: 'idle with shutdown_at', state: 'idle', set: { shutdown_at: at(2) }, constraint: 'workers_shutdown_at_iff_state' },
      { name: 'unresponsive with shutdown_at', state: 'unresponsive', set: { shutdown_at: at(2) }, constraint: 'workers_shutdown_at_iff_state' },
      { name: 'shutdown before created', state: 'shutdown', set: { shutdown_at: at(-1) }, constraint: 'workers_shutdown_at_after_created_at' },
      { name: 'capabilities not an array', state: 'idle', set: { capabilities: 'node' }, constraint: 'workers_capabilities_is_array' },
      { name: 'affinity not an array', state: 'idle', set: { affinity: { ws: 1 } }, constraint: 'workers_affinity_is_array' },
      { name: 'unknown run', state: 'idle', set: { run_id: 'nope' }, constraint: 'workers_run_id_fkey' },
    ]);
    updateCases(() => h, 'worker', [
      { name: 'busy → idle with load 0', from: 'busy', set: { state: 'idle', current_load: 0 }, constraint: 'ok' },
      { name: 'load raised above capacity', from: 'busy', set: { current_load: 5 }, constraint: 'workers_load_within_capacity' },
      { name: 'idle → shutdown without shutdown_at', from: 'idle', set: { state: 'shutdown' }, constraint: 'workers_shutdown_at_iff_state' },
    ]);
  });

  describe('uet_workers', () => {
    insertCases(() => h, 'uet_worker', [
      { name: 'TERMINATED after a crash keeps its task', state: 'TERMINATED', set: { current_task: 't1', crashed: true }, constraint: 'ok' },
      { name: 'TERMINATED without terminated_at', state: 'TERMINATED', set: { terminated_at: null }, constraint: 'uet_workers_terminated_at_iff_state' },
      { name: 'BUSY with terminated_at', state: 'BUSY', set: { terminated_at: at(2) }, constraint: 'uet_workers_terminated_at_iff_state' },
      { name: 'DRAINING with terminated_at', state: 'DRAINING', set: { terminated_at: at(2) }, constraint: 'uet_workers_terminated_at_iff_state' },
      { name: 'terminated before created', state: 'TERMINATED', set: { terminated_at: at(-1) }, constraint: 'uet_workers_terminated_at_after_created_at' },
      { name: 'affinity not an array', state: 'IDLE', set: { affinity: 'x' }, constraint: 'uet_workers_affinity_is_array' },
    ]);
    updateCases(() => h, 'uet_worker', [
      { name: 'DRAINING → TERMINATED without terminated_at', from: 'DRAINING', set: { state: 'TERMINATED' }, constraint: 'uet_workers_terminated_at_iff_state' },
    ]);
  });

  describe('circuit_breakers', () => {
    insertCases(() => h, 'circuit_breaker', [
      { name: 'fractional cooldown', state: 'CLOSED', set: { cooldown_seconds: 0.5 }, constraint: 'ok' },
      { name: 'OPEN without opened_at', state: 'OPEN', set: { opened_at: null }, constraint: 'circuit_breakers_opened_at_iff_state' },
      { name: 'HALF_OPEN without opened_at', state: 'HALF_OPEN', set: { opened_at: null }, constraint: 'circuit_breakers_opened_at_iff_state' },
      { name: 'CLOSED with opened_at', state: 'CLOSED', set: { opened_at: at(1) }, constraint: 'circuit_breakers_opened_at_iff_state' },
      { name: 'opened before created', state: 'OPEN', set: { opened_at: at(-1) }, constraint: 'circuit_breakers_opened_at_after_created_at' },
      { name: 'failure_threshold 0', state: 'CLOSED', set: { failure_threshold: 0 }, constraint: 'circuit_breakers_failure_threshold_positive' },
      { name: 'success_threshold 0', state: 'CLOSED', set: { success_threshold: 0 }, constraint: 'circuit_breakers_success_threshold_positive' },
      { name: 'negative cooldown', state: 'CLOSED', set: { cooldown_seconds: -1 }, constraint: 'circuit_breakers_cooldown_nonneg' },
      { name: 'negative failure_count', state: 'CLOSED', set: { failure_count: -1 }, constraint: 'circuit_breakers_failure_count_nonneg' },
      { name: 'negative success_count', state: 'HALF_OPEN', set: { success_count: -1 }, constraint: 'circuit_breakers_success_count_nonneg' },
    ]);
    updateCases(() => h, 'circuit_breaker', [
      { name: 'HALF_OPEN → CLOSED clearing opened_at', from: 'HALF_OPEN', set: { state: 'CLOSED', opened_at: null, failure_count: 0 }, constraint: 'ok' },
      { name: 'HALF_OPEN → CLOSED keeping opened_at', from: 'HALF_OPEN', set: { state: 'CLOSED' }, constraint: 'circuit_breakers_opened_at_iff_state' },
    ]);
  });
});
