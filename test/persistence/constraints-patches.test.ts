import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at } from '../support/audit-fixtures.js';
import { insertCases, updateCases } from '../support/constraint-cases.js';
import { insertOutcome, legalRow } from '../support/legal-rows.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// SSOT §6.5 and the patch ledger invariants of §2.2.5: raw writes that must be refused.

const T = 'patch_ledger_entries';
const checks = { validation_format: true, validation_scope: true, validation_constraints: true };

describe.each(testDatabases())('patch ledger constraints (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  insertCases(() => h, 'patch_ledger', [
    { name: 'quarantined from created (flags false)', state: 'quarantined', set: {}, constraint: 'ok' },
    { name: 'quarantined from applied (checks true)', state: 'quarantined', set: { ...checks, apply_attempts: 1 }, constraint: 'ok' },
    { name: 'dropped after quarantine keeps its reason (EXT-4)', state: 'dropped', set: { quarantine_reason: 'scope', quarantined_at: at(1) }, constraint: 'ok' },
    { name: 'three apply attempts', state: 'apply_failed', set: { apply_attempts: 3 }, constraint: 'ok' },
    { name: 'quarantined without reason', state: 'quarantined', set: { quarantine_reason: null, quarantined_at: null }, constraint: `${T}_quarantine_reason_required` },
    { name: 'quarantined with an empty reason', state: 'quarantined', set: { quarantine_reason: '' }, constraint: `${T}_quarantine_reason_required` },
    { name: 'quarantined without quarantined_at', state: 'quarantined', set: { quarantined_at: null }, constraint: `${T}_quarantined_at_required_in_state` },
    { name: 'validated with a quarantine reason', state: 'validated', set: { quarantine_reason: 'x', quarantined_at: at(1) }, constraint: `${T}_quarantine_reason_absent_in_state` },
    { name: 'rolled_back without rollback_reason', state: 'rolled_back', set: { rollback_reason: null }, constraint: `${T}_rollback_reason_iff_state` },
    { name: 'committed with rollback_reason', state: 'committed', set: { rollback_reason: 'x' }, constraint: `${T}_rollback_reason_iff_state` },
    { name: 'rolled_back with an empty reason', state: 'rolled_back', set: { rollback_reason: '' }, constraint: `${T}_rollback_reason_nonempty` },
    { name: 'rolled_back without rolled_back_at', state: 'rolled_back', set: { rolled_back_at: null }, constraint: `${T}_rolled_back_at_iff_state` },
    { name: 'committed with rolled_back_at', state: 'committed', set: { rolled_back_at: at(2) }, constraint: `${T}_rolled_back_at_iff_state` },
    { name: 'committed without commit_sha', state: 'committed', set: { commit_sha: null }, constraint: `${T}_commit_sha_iff_state` },
    { name: 'rolled_back without commit_sha', state: 'rolled_back', set: { commit_sha: null }, constraint: `${T}_commit_sha_iff_state` },
    { name: 'verified with commit_sha', state: 'verified', set: { commit_sha: 'abc1234' }, constraint: `${T}_commit_sha_iff_state` },
    { name: 'commit_sha not lower hex', state: 'committed', set: { commit_sha: 'XYZ1234' }, constraint: `${T}_commit_sha_format` },
    { name: 'validated with scope false', state: 'validated', set: { validation_scope: false }, constraint: `${T}_checks_passed_from_validated` },
    { name: 'queued with format false', state: 'queued', set: { validation_format: false }, constraint: `${T}_checks_passed_from_validated` },
    { name: 'committed with constraints false', state: 'committed', set: { validation_constraints: false }, constraint: `${T}_checks_passed_from_validated` },
    { name: 'verified with tests false', state: 'verified', set: { validation_tests: false }, constraint: `${T}_tests_flag_iff_tested` },
    { name: 'rolled_back with tests false', state: 'rolled_back', set: { validation_tests: false }, constraint: `${T}_tests_flag_iff_tested` },
    { name: 'applied with tests true', state: 'applied', set: { validation_tests: true }, constraint: `${T}_tests_flag_iff_tested` },
    { name: 'four apply attempts', state: 'apply_failed', set: { apply_attempts: 4 }, constraint: `${T}_apply_attempts_range` },
    { name: 'negative apply attempts', state: 'created', set: { apply_attempts: -1 }, constraint: `${T}_apply_attempts_range` },
    { name: 'quarantined before created', state: 'quarantined', set: { quarantined_at: at(-1) }, constraint: `${T}_quarantined_at_after_created_at` },
    { name: 'rolled back before created', state: 'rolled_back', set: { rolled_back_at: at(-1) }, constraint: `${T}_rolled_back_at_after_created_at` },
    { name: 'state_history not an array', state: 'created', set: { state_history: {} }, constraint: `${T}_state_history_is_array` },
    { name: 'unknown patch', state: 'created', set: { patch_id: 'nope' }, constraint: `${T}_patch_id_fkey` },
  ]);

  updateCases(() => h, 'patch_ledger', [
    { name: 'created → validated setting the checks', from: 'created', set: { state: 'validated', ...checks }, constraint: 'ok' },
    { name: 'created → validated without the checks', from: 'created', set: { state: 'validated' }, constraint: `${T}_checks_passed_from_validated` },
    { name: 'applied → verified without the tests flag', from: 'applied', set: { state: 'verified' }, constraint: `${T}_tests_flag_iff_tested` },
    { name: 'verified → committed without sha', from: 'verified', set: { state: 'committed' }, constraint: `${T}_commit_sha_iff_state` },
    { name: 'committed → rolled_back without reason', from: 'committed', set: { state: 'rolled_back', rolled_back_at: at(3) }, constraint: `${T}_rollback_reason_iff_state` },
    { name: 'quarantined → dropped keeping the reason', from: 'quarantined', set: { state: 'dropped' }, constraint: 'ok' },
  ]);

  it('patches: a legal patch row links a ledger entry; bad id and negative size are refused', async () => {
    const db = h.db;
    await db.insertInto('patches').values({ id: 'p1', diff: '--- a\n+++ b\n', files: JSON.stringify(['src/a.ts']), bytes: 12 }).execute();
    expect(await insertOutcome(db, 'patch_ledger', { ...legalRow('patch_ledger', 'created', 'pl-linked'), patch_id: 'p1' })).toBe('ok');
    await expect(db.insertInto('patches').values({ id: '-bad', diff: '', files: '[]', bytes: 0 }).execute()).rejects.toMatchObject({ constraint: 'patches_id_format' });
    await expect(db.insertInto('patches').values({ id: 'p2', diff: '', files: '[]', bytes: -1 }).execute()).rejects.toMatchObject({ constraint: 'patches_bytes_nonneg' });
    await expect(db.insertInto('patches').values({ id: 'p3', diff: '', files: '{}', bytes: 0 }).execute()).rejects.toMatchObject({ constraint: 'patches_files_is_array' });
  });
});
