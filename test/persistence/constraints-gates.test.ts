import { afterAll, beforeAll, describe } from 'vitest';
import { at } from '../support/audit-fixtures.js';
import { insertCases, updateCases } from '../support/constraint-cases.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// SSOT §6.6 and §2.3 (test gates): raw writes that must be refused.

const T = 'test_gates';

describe.each(testDatabases())('test gate constraints (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  insertCases(() => h, 'test_gate', [
    { name: 'FAILED by timeout (exit 124)', state: 'FAILED', set: { exit_code: 124, timed_out: true }, constraint: 'ok' },
    { name: 'PASSED with a non-zero expected exit', state: 'PASSED', set: { expected_exit: 3, exit_code: 3 }, constraint: 'ok' },
    { name: 'every gate type', state: 'PENDING', set: { gate_type: 'SECURITY' }, constraint: 'ok' },
    { name: 'a manual gate (migration 0010)', state: 'PENDING', set: { gate_type: 'MANUAL' }, constraint: 'ok' },
    { name: 'PASSED without exit_code', state: 'PASSED', set: { exit_code: null }, constraint: `${T}_exit_code_iff_state` },
    { name: 'FAILED without exit_code', state: 'FAILED', set: { exit_code: null }, constraint: `${T}_exit_code_iff_state` },
    { name: 'RUNNING with exit_code', state: 'RUNNING', set: { exit_code: 0 }, constraint: `${T}_exit_code_iff_state` },
    { name: 'PASSED without completed_at', state: 'PASSED', set: { completed_at: null }, constraint: `${T}_completed_at_iff_state` },
    { name: 'FAILED without completed_at', state: 'FAILED', set: { completed_at: null }, constraint: `${T}_completed_at_iff_state` },
    { name: 'RUNNING with completed_at', state: 'RUNNING', set: { completed_at: at(2) }, constraint: `${T}_completed_at_iff_state` },
    { name: 'RUNNING without started_at', state: 'RUNNING', set: { started_at: null }, constraint: `${T}_started_at_iff_state` },
    { name: 'PASSED without started_at', state: 'PASSED', set: { started_at: null }, constraint: `${T}_started_at_iff_state` },
    { name: 'PENDING with started_at', state: 'PENDING', set: { started_at: at(1) }, constraint: `${T}_started_at_iff_state` },
    { name: 'BLOCKED with started_at', state: 'BLOCKED', set: { started_at: at(1) }, constraint: `${T}_started_at_iff_state` },
    { name: 'PASSED with an unexpected exit code', state: 'PASSED', set: { exit_code: 1 }, constraint: `${T}_passed_exit_expected` },
    { name: 'unknown gate type', state: 'PENDING', set: { gate_type: 'E2E' }, constraint: `${T}_gate_type_valid` },
    { name: 'lower-case gate type', state: 'PENDING', set: { gate_type: 'unit' }, constraint: `${T}_gate_type_valid` },
    { name: 'negative duration', state: 'FAILED', set: { duration_ms: -1 }, constraint: `${T}_duration_nonneg` },
    { name: 'timeout_sec 0', state: 'PENDING', set: { timeout_sec: 0 }, constraint: `${T}_timeout_sec_positive` },
    { name: 'completed before started', state: 'PASSED', set: { started_at: at(3), completed_at: at(2) }, constraint: `${T}_completed_at_after_started_at` },
    { name: 'started before created', state: 'RUNNING', set: { started_at: at(-1) }, constraint: `${T}_started_at_after_created_at` },
    { name: 'depends_on not an array', state: 'PENDING', set: { depends_on: 1 }, constraint: `${T}_depends_on_is_array` },
    { name: 'no gate type', state: 'PENDING', set: { gate_type: null }, constraint: 'not_null(gate_type)' },
    { name: 'unknown task', state: 'PENDING', set: { task_id: 'nope' }, constraint: `${T}_task_id_fkey` },
    { name: 'retry_of an unknown gate', state: 'PENDING', set: { retry_of: 'nope' }, constraint: `${T}_retry_of_fkey` },
  ]);

  updateCases(() => h, 'test_gate', [
    { name: 'RUNNING → PASSED with its records', from: 'RUNNING', set: { state: 'PASSED', exit_code: 0, completed_at: at(2) }, constraint: 'ok' },
    { name: 'RUNNING → FAILED without exit code', from: 'RUNNING', set: { state: 'FAILED', completed_at: at(2) }, constraint: `${T}_exit_code_iff_state` },
    { name: 'PENDING → RUNNING without started_at', from: 'PENDING', set: { state: 'RUNNING' }, constraint: `${T}_started_at_iff_state` },
  ]);
});
