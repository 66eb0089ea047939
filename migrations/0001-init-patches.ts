import { check, createTable, entityBase, hexFormat, idFormat, jsonArray, notBefore, presentIn, sqlList } from './0001-init-parts.js';

// Frozen with migration 0001 (append-only). State list hard-coded on purpose; a test checks it
// against machines/ (machineCatalog.patch_ledger.states).

const LEDGER_STATES = ['created', 'validated', 'queued', 'applied', 'apply_failed', 'verified', 'committed', 'rolled_back', 'quarantined', 'dropped'];
/** States reached only through `validation_passed`: format, scope and constraint checks passed (SSOT §2.2.5). */
const CHECKED = ['validated', 'queued', 'applied', 'apply_failed', 'verified', 'committed', 'rolled_back'];
/** States reached only through `tests_passed` (SSOT §2.2.5). */
const TESTED = ['verified', 'committed', 'rolled_back'];
const T = 'patch_ledger_entries';

/** DDL of `patches` and `patch_ledger_entries` (SSOT §6.4, §6.5, invariants §2.2.5) for migration 0001. */
export const initPatchesDdl: readonly string[] = [
  createTable('patches', [
    `id text PRIMARY KEY ${check('patches', 'id_format', idFormat('id'))}`,
    'task_id text REFERENCES tasks (id)',
    'workstream_id text REFERENCES workstreams (id)',
    'run_id text REFERENCES runs (id)',
    'diff text NOT NULL',
    `files jsonb NOT NULL DEFAULT '[]'::jsonb`,
    `bytes integer NOT NULL ${check('patches', 'bytes_nonneg', 'bytes >= 0')}`,
    'created_at timestamptz NOT NULL DEFAULT now()',
    jsonArray('patches', 'files'),
  ]),
  'CREATE INDEX patches_task_id_idx ON patches (task_id)',
  'CREATE INDEX patches_workstream_id_idx ON patches (workstream_id)',
  'CREATE INDEX patches_run_id_idx ON patches (run_id)',

  createTable(T, [
    ...entityBase(T, LEDGER_STATES),
    'patch_id text REFERENCES patches (id)',
    'task_id text REFERENCES tasks (id)',
    'workstream_id text REFERENCES workstreams (id)',
    'run_id text REFERENCES runs (id)',
    `retry_of text REFERENCES ${T} (id)`,
    // SSOT §2.2.7, §8.1.2: at most three apply attempts.
    `apply_attempts integer NOT NULL DEFAULT 0 ${check(T, 'apply_attempts_range', 'apply_attempts BETWEEN 0 AND 3')}`,
    'validation_format boolean NOT NULL DEFAULT false',
    'validation_scope boolean NOT NULL DEFAULT false',
    'validation_constraints boolean NOT NULL DEFAULT false',
    'validation_tests boolean NOT NULL DEFAULT false',
    'quarantine_reason text',
    'quarantined_at timestamptz',
    'rollback_reason text',
    'rolled_back_at timestamptz',
    `commit_sha text ${check(T, 'commit_sha_format', hexFormat('commit_sha', 7, 64))}`,
    'last_error text',
    `state_history jsonb NOT NULL DEFAULT '[]'::jsonb`,
    jsonArray(T, 'state_history'),
    // SSOT §2.2.5: a quarantined entry has its reason and time; they stay when it is later dropped (EXT-4).
    check(T, 'quarantine_reason_required', `state <> 'quarantined' OR (quarantine_reason IS NOT NULL AND quarantine_reason <> '')`),
    check(T, 'quarantine_reason_state', `quarantine_reason IS NULL OR state IN ('quarantined', 'dropped')`),
    check(T, 'quarantined_at_with_reason', '(quarantined_at IS NULL) = (quarantine_reason IS NULL)'),
    // SSOT §2.2.5: rolled_back has its reason and time, and nothing else does.
    presentIn(T, 'rollback_reason', ['rolled_back']),
    check(T, 'rollback_reason_nonempty', `rollback_reason <> ''`),
    presentIn(T, 'rolled_back_at', ['rolled_back']),
    // SSOT §2.2.3: the commit sha is recorded by commit_succeeded and kept by rollback.
    presentIn(T, 'commit_sha', ['committed', 'rolled_back']),
    // SSOT §2.2.5: validation flags agree with the state.
    check(T, 'checks_passed_from_validated', `state NOT IN ${sqlList(CHECKED)} OR (validation_format AND validation_scope AND validation_constraints)`),
    check(T, 'tests_flag_iff_tested', `validation_tests = (state IN ${sqlList(TESTED)})`),
    // SSOT §2.2.5, §8.3.
    notBefore(T, 'quarantined_at', 'created_at'),
    notBefore(T, 'rolled_back_at', 'created_at'),
  ]),
  `CREATE INDEX ${T}_state_idx ON ${T} (state)`,
  `CREATE INDEX ${T}_patch_id_idx ON ${T} (patch_id)`,
  `CREATE INDEX ${T}_task_id_idx ON ${T} (task_id)`,
  `CREATE INDEX ${T}_workstream_id_idx ON ${T} (workstream_id)`,
  `CREATE INDEX ${T}_run_id_idx ON ${T} (run_id)`,
  // SSOT §2.5.1: quarantined patches, newest first.
  `CREATE INDEX ${T}_quarantined_idx ON ${T} (quarantined_at DESC) WHERE state = 'quarantined'`,
];

/** Reverse of {@link initPatchesDdl}. */
export const dropPatchesDdl: readonly string[] = [`DROP TABLE ${T}`, 'DROP TABLE patches'];
