import { afterAll, beforeAll, describe } from 'vitest';
import { ENTITY_TABLES, PERSISTED_ENTITY_TYPES } from '../../persistence/index.js';
import { at } from '../support/audit-fixtures.js';
import { insertCases, type ConstraintCase } from '../support/constraint-cases.js';
import { machineCatalog } from '../../machines/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

/** Checks every entity table has (docs/design/engine.md §3): id format, version, snapshot, hash, created/updated order. */
function commonCases(type: (typeof PERSISTED_ENTITY_TYPES)[number]): ConstraintCase[] {
  const t = ENTITY_TABLES[type].table;
  const state = machineCatalog[type].initial;
  return [
    { name: 'legal id with dots, dashes, underscores', state, set: { id: 'A.b_c-9' }, constraint: 'ok' },
    { name: 'id of 128 characters', state, set: { id: `a${'b'.repeat(127)}` }, constraint: 'ok' },
    { name: 'id of 129 characters', state, set: { id: `a${'b'.repeat(128)}` }, constraint: `${t}_id_format` },
    { name: 'id starting with a dash', state, set: { id: '-abc' }, constraint: `${t}_id_format` },
    { name: 'id with a space', state, set: { id: 'a b' }, constraint: `${t}_id_format` },
    { name: 'id with a slash', state, set: { id: 'a/b' }, constraint: `${t}_id_format` },
    { name: 'version 0', state, set: { version: 0 }, constraint: `${t}_version_positive` },
    { name: 'snapshot not an object', state, set: { snapshot: [1, 2] }, constraint: `${t}_snapshot_is_object` },
    { name: 'last_hash not 64 hex', state, set: { last_hash: 'ABC' }, constraint: `${t}_last_hash_format` },
    { name: 'last_hash null (lone row)', state, set: { last_hash: null }, constraint: 'ok' },
    { name: 'updated_at before created_at', state, set: { updated_at: at(-1) }, constraint: `${t}_updated_after_created` },
    { name: 'state null', state, set: { state: null }, constraint: 'not_null(state)' },
    { name: 'machine_version null', state, set: { machine_version: null }, constraint: 'not_null(machine_version)' },
  ];
}

describe.each(testDatabases())('checks common to every entity table (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  describe.each(PERSISTED_ENTITY_TYPES.map((t) => [t]))('%s', (type) => {
    insertCases(() => h, type, commonCases(type));
  });
});
