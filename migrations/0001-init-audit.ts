import { check, createTable, hexFormat, idFormat, sqlList } from './0001-init-parts.js';

// Frozen with migration 0001 (append-only).

const ENTITY_TYPES = ['run', 'workstream', 'task', 'worker', 'uet_worker', 'patch_ledger', 'test_gate', 'circuit_breaker'];
const T = 'state_transitions';

/** DDL of `state_transitions` (SSOT §6.7, §8.5) and its append-only trigger, for migration 0001. */
export const initAuditDdl: readonly string[] = [
  createTable(T, [
    'id bigserial PRIMARY KEY',
    // SSOT §7.1: event ids are evt_<ULID> (Crockford base32, 26 characters).
    `event_id text NOT NULL ${check(T, 'event_id_format', `length(event_id) = 30 AND event_id ~ '^evt_[0-9A-HJKMNP-TV-Z]*$'`)}`,
    `entity_type text NOT NULL ${check(T, 'entity_type_valid', `entity_type IN ${sqlList(ENTITY_TYPES)}`)}`,
    `entity_id text NOT NULL ${check(T, 'entity_id_format', idFormat('entity_id'))}`,
    // The entity's version after this row: 1 for the creation row, then +1 per transition.
    `seq integer NOT NULL ${check(T, 'seq_positive', 'seq >= 1')}`,
    'from_state text',
    'to_state text NOT NULL',
    `trigger text NOT NULL ${check(T, 'trigger_nonempty', `trigger <> ''`)}`,
    'reason text',
    `metadata jsonb NOT NULL DEFAULT '{}'::jsonb ${check(T, 'metadata_is_object', `jsonb_typeof(metadata) = 'object'`)}`,
    'operator text',
    'run_id text',
    'workstream_id text',
    'phase_id text',
    `severity text NOT NULL ${check(T, 'severity_valid', `severity IN ('info', 'warning', 'error', 'critical')`)}`,
    'transitioned_at timestamptz NOT NULL',
    `prev_hash text ${check(T, 'prev_hash_format', hexFormat('prev_hash'))}`,
    `hash text NOT NULL ${check(T, 'hash_format', hexFormat('hash'))}`,
    `CONSTRAINT ${T}_event_id_key UNIQUE (event_id)`,
    // A second guard against double writes: one row per entity version.
    `CONSTRAINT ${T}_entity_seq_key UNIQUE (entity_type, entity_id, seq)`,
    check(T, 'creation_row', '(from_state IS NULL) = (seq = 1)'),
    check(T, 'creation_trigger', `from_state IS NOT NULL OR trigger = 'create'`),
    check(T, 'chain_start', '(prev_hash IS NULL) = (seq = 1)'),
  ]),
  `CREATE INDEX ${T}_transitioned_at_idx ON ${T} (transitioned_at)`,
  `CREATE INDEX ${T}_run_id_idx ON ${T} (run_id) WHERE run_id IS NOT NULL`,
  `CREATE INDEX ${T}_workstream_id_idx ON ${T} (workstream_id) WHERE workstream_id IS NOT NULL`,
  // SSOT §7.3.2 queries: most common failure transitions; manual overrides in the last day.
  `CREATE INDEX ${T}_to_state_idx ON ${T} (entity_type, to_state)`,
  `CREATE INDEX ${T}_operator_idx ON ${T} (transitioned_at) WHERE operator IS NOT NULL`,
  // SSOT §8.5, docs/design/engine.md §3: the table is append-only.
  `CREATE FUNCTION ${T}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'state_transitions is append-only: % rejected (SSOT §8.5)', TG_OP
    USING ERRCODE = 'P0001', HINT = 'audit rows are never changed or removed';
END
$$`,
  `CREATE TRIGGER ${T}_no_update_delete BEFORE UPDATE OR DELETE ON ${T} FOR EACH ROW EXECUTE FUNCTION ${T}_append_only()`,
  `CREATE TRIGGER ${T}_no_truncate BEFORE TRUNCATE ON ${T} FOR EACH STATEMENT EXECUTE FUNCTION ${T}_append_only()`,
];

/** Reverse of {@link initAuditDdl}. */
export const dropAuditDdl: readonly string[] = [`DROP TABLE ${T}`, `DROP FUNCTION ${T}_append_only()`];
