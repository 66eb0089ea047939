import { check, createTable, entityBase, idFormat, jsonArray, notBefore, presentIn } from './0001-init-parts.js';

// Frozen with migration 0001 (append-only). State lists hard-coded here on purpose; a test checks
// them against machines/ (machineCatalog[type].states).

const RUN_STATES = ['pending', 'running', 'succeeded', 'failed', 'canceled'];
const RUN_TERMINAL = ['succeeded', 'failed', 'canceled'];
const WORKSTREAM_STATES = ['planned', 'ready', 'blocked', 'executing', 'validating', 'completed', 'failed', 'cancelled', 'skipped'];
const WORKSTREAM_TERMINAL = ['completed', 'failed', 'cancelled', 'skipped'];

/** DDL of `phases`, `runs` and `workstreams` (SSOT §6.1, §6.2) for migration 0001. */
export const initRunsDdl: readonly string[] = [
  createTable('phases', [
    `id text PRIMARY KEY ${check('phases', 'id_format', idFormat('id'))}`,
    'name text NOT NULL',
    `policy jsonb NOT NULL DEFAULT '{}'::jsonb ${check('phases', 'policy_is_object', `jsonb_typeof(policy) = 'object'`)}`,
    'created_at timestamptz NOT NULL DEFAULT now()',
  ]),

  // SSOT §6.1, R-2: completed_at exactly in terminal states; started_at in running and terminal
  // states, except a run canceled from pending (then started_at stays null).
  createTable('runs', [
    ...entityBase('runs', RUN_STATES),
    'phase_id text REFERENCES phases (id)',
    'retry_of text REFERENCES runs (id)',
    'started_at timestamptz',
    'completed_at timestamptz',
    presentIn('runs', 'completed_at', RUN_TERMINAL),
    check('runs', 'started_at_when_started', `state NOT IN ('running', 'succeeded', 'failed') OR started_at IS NOT NULL`),
    check('runs', 'started_at_not_pending', `state <> 'pending' OR started_at IS NULL`),
    notBefore('runs', 'started_at', 'created_at'),
    notBefore('runs', 'completed_at', 'created_at'),
    notBefore('runs', 'completed_at', 'started_at'),
  ]),
  'CREATE INDEX runs_state_idx ON runs (state)',
  'CREATE INDEX runs_phase_id_idx ON runs (phase_id)',

  // SSOT §6.2, §8.3: completed_at exactly in terminal states; created_at ≤ updated_at ≤ completed_at.
  createTable('workstreams', [
    ...entityBase('workstreams', WORKSTREAM_STATES),
    'run_id text REFERENCES runs (id)',
    'retry_of text REFERENCES workstreams (id)',
    'critical boolean NOT NULL DEFAULT false',
    `depends_on jsonb NOT NULL DEFAULT '[]'::jsonb`,
    `planned_task_count integer NOT NULL DEFAULT 0 ${check('workstreams', 'planned_task_count_nonneg', 'planned_task_count >= 0')}`,
    `quarantined_ledger_ids jsonb NOT NULL DEFAULT '[]'::jsonb`,
    'started_at timestamptz',
    'completed_at timestamptz',
    jsonArray('workstreams', 'depends_on'),
    jsonArray('workstreams', 'quarantined_ledger_ids'),
    presentIn('workstreams', 'completed_at', WORKSTREAM_TERMINAL),
    notBefore('workstreams', 'started_at', 'created_at'),
    notBefore('workstreams', 'completed_at', 'created_at'),
    notBefore('workstreams', 'completed_at', 'started_at'),
    notBefore('workstreams', 'completed_at', 'updated_at'),
  ]),
  'CREATE INDEX workstreams_state_idx ON workstreams (state)',
  'CREATE INDEX workstreams_run_id_idx ON workstreams (run_id)',
];

/** Reverse of {@link initRunsDdl}. */
export const dropRunsDdl: readonly string[] = ['DROP TABLE workstreams', 'DROP TABLE runs', 'DROP TABLE phases'];
