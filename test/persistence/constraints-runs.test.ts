import { afterAll, beforeAll, describe } from 'vitest';
import { at } from '../support/audit-fixtures.js';
import { insertCases, updateCases } from '../support/constraint-cases.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// SSOT §6.1, R-2 (runs) and §6.2, §8.3 (workstreams): raw writes that the database must refuse.

describe.each(testDatabases())('runs and workstreams constraints (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  describe('runs', () => {
    insertCases(() => h, 'run', [
      { name: 'canceled from pending: completed_at, no started_at (R-2)', state: 'canceled', set: {}, constraint: 'ok' },
      { name: 'canceled from running: both times', state: 'canceled', set: { started_at: at(1) }, constraint: 'ok' },
      { name: 'pending with completed_at', state: 'pending', set: { completed_at: at(2) }, constraint: 'runs_completed_at_iff_state' },
      { name: 'running with completed_at', state: 'running', set: { completed_at: at(2) }, constraint: 'runs_completed_at_iff_state' },
      { name: 'succeeded without completed_at', state: 'succeeded', set: { completed_at: null }, constraint: 'runs_completed_at_iff_state' },
      { name: 'failed without completed_at', state: 'failed', set: { completed_at: null }, constraint: 'runs_completed_at_iff_state' },
      { name: 'canceled without completed_at', state: 'canceled', set: { completed_at: null }, constraint: 'runs_completed_at_iff_state' },
      { name: 'running without started_at', state: 'running', set: { started_at: null }, constraint: 'runs_started_at_required_in_state' },
      { name: 'succeeded without started_at', state: 'succeeded', set: { started_at: null }, constraint: 'runs_started_at_required_in_state' },
      { name: 'failed without started_at', state: 'failed', set: { started_at: null }, constraint: 'runs_started_at_required_in_state' },
      { name: 'pending with started_at', state: 'pending', set: { started_at: at(1) }, constraint: 'runs_started_at_absent_in_state' },
      { name: 'started before created', state: 'running', set: { started_at: at(-5) }, constraint: 'runs_started_at_after_created_at' },
      { name: 'completed before created', state: 'canceled', set: { completed_at: at(-5) }, constraint: 'runs_completed_at_after_created_at' },
      { name: 'completed before started', state: 'succeeded', set: { started_at: at(3), completed_at: at(2) }, constraint: 'runs_completed_at_after_started_at' },
      { name: 'unknown phase', state: 'pending', set: { phase_id: 'PH-404' }, constraint: 'runs_phase_id_fkey' },
      { name: 'retry_of an unknown run', state: 'pending', set: { retry_of: 'nope' }, constraint: 'runs_retry_of_fkey' },
    ]);
    updateCases(() => h, 'run', [
      { name: 'pending → running with started_at', from: 'pending', set: { state: 'running', started_at: at(1) }, constraint: 'ok' },
      { name: 'pending → running without started_at', from: 'pending', set: { state: 'running' }, constraint: 'runs_started_at_required_in_state' },
      { name: 'running → succeeded without completed_at', from: 'running', set: { state: 'succeeded' }, constraint: 'runs_completed_at_iff_state' },
      // SSOT §8.2: a terminal row never changes (the trigger fires before the CHECKs).
      { name: 'succeeded → running keeping completed_at', from: 'succeeded', set: { state: 'running' }, constraint: 'runs_terminal_final' },
    ]);
  });

  describe('workstreams', () => {
    insertCases(() => h, 'workstream', [
      { name: 'cancelled from planned: no started_at', state: 'cancelled', set: {}, constraint: 'ok' },
      { name: 'updated_at equal to completed_at', state: 'completed', set: { updated_at: at(2) }, constraint: 'ok' },
      { name: 'executing with completed_at', state: 'executing', set: { completed_at: at(2) }, constraint: 'workstreams_completed_at_iff_state' },
      { name: 'validating with completed_at', state: 'validating', set: { completed_at: at(2) }, constraint: 'workstreams_completed_at_iff_state' },
      { name: 'planned with completed_at', state: 'planned', set: { completed_at: at(2) }, constraint: 'workstreams_completed_at_iff_state' },
      { name: 'completed without completed_at', state: 'completed', set: { completed_at: null }, constraint: 'workstreams_completed_at_iff_state' },
      { name: 'failed without completed_at', state: 'failed', set: { completed_at: null }, constraint: 'workstreams_completed_at_iff_state' },
      { name: 'skipped without completed_at', state: 'skipped', set: { completed_at: null }, constraint: 'workstreams_completed_at_iff_state' },
      { name: 'cancelled without completed_at', state: 'cancelled', set: { completed_at: null }, constraint: 'workstreams_completed_at_iff_state' },
      { name: 'updated after completed (§8.3)', state: 'completed', set: { updated_at: at(3) }, constraint: 'workstreams_completed_at_after_updated_at' },
      { name: 'completed before started', state: 'failed', set: { started_at: at(3), completed_at: at(2), updated_at: at(0) }, constraint: 'workstreams_completed_at_after_started_at' },
      { name: 'started before created', state: 'executing', set: { started_at: at(-1) }, constraint: 'workstreams_started_at_after_created_at' },
      { name: 'depends_on not an array', state: 'planned', set: { depends_on: { a: 1 } }, constraint: 'workstreams_depends_on_is_array' },
      { name: 'negative planned_task_count', state: 'planned', set: { planned_task_count: -1 }, constraint: 'workstreams_planned_task_count_nonneg' },
      { name: 'unknown run', state: 'planned', set: { run_id: 'nope' }, constraint: 'workstreams_run_id_fkey' },
    ]);
    updateCases(() => h, 'workstream', [
      { name: 'validating → completed with completed_at = updated_at', from: 'validating', set: { state: 'completed', completed_at: at(4), updated_at: at(4) }, constraint: 'ok' },
      { name: 'validating → completed without completed_at', from: 'validating', set: { state: 'completed' }, constraint: 'workstreams_completed_at_iff_state' },
    ]);
  });
});
