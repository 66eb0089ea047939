import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConstraintViolationError, mapDbError, type Database } from '../../persistence/index.js';
import { at, eventId, fakeHash } from '../support/audit-fixtures.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';
import type { Kysely } from 'kysely';

// SSOT §6.7, §8.5: the audit table's own checks and its append-only trigger.

function row(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: eventId(),
    entity_type: 'task',
    entity_id: 't1',
    seq: 1,
    from_state: null,
    to_state: 'pending',
    trigger: 'create',
    metadata: '{}',
    severity: 'info',
    transitioned_at: new Date(at(0)).toISOString(),
    prev_hash: null,
    hash: fakeHash('t1', 1),
    ...over,
  };
}

async function outcome(db: Kysely<Database>, values: Record<string, unknown>): Promise<string> {
  try {
    await (db as Kysely<any>).insertInto('state_transitions').values(values).execute();
    return 'ok';
  } catch (error) {
    const mapped = mapDbError(error);
    if (mapped instanceof ConstraintViolationError) return mapped.constraint ?? `${mapped.kind}(${mapped.column ?? '?'})`;
    throw error;
  }
}

const S = 'state_transitions';
let n = 0;
const next = (seq: number, over: Record<string, unknown> = {}) => {
  n += 1;
  const id = `e${n}`;
  return row({ entity_id: id, seq, ...(seq > 1 ? { from_state: 'pending', to_state: 'queued', trigger: 'scheduler_assigned', prev_hash: fakeHash(id, seq - 1) } : {}), ...over });
};

const CASES: readonly [string, Record<string, unknown>, string][] = [
  ['a creation row', next(1), 'ok'],
  ['a transition row', next(2, { operator: 'alice', reason: 'manual', metadata: '{"retry_count":1}', severity: 'warning' }), 'ok'],
  ['event id without evt_ prefix', next(1, { event_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }), `${S}_event_id_format`],
  ['event id with a U (not Crockford)', next(1, { event_id: 'evt_01ARZ3NDEKTSV4RRFFQ69G5FAU' }), `${S}_event_id_format`],
  ['event id in lower case', next(1, { event_id: 'evt_01arz3ndektsv4rrffq69g5fav' }), `${S}_event_id_format`],
  ['event id too short', next(1, { event_id: 'evt_01ARZ3NDEK' }), `${S}_event_id_format`],
  ['unknown entity type', next(1, { entity_type: 'job' }), `${S}_entity_type_valid`],
  ['bad entity id', next(1, { entity_id: 'a b' }), `${S}_entity_id_format`],
  ['seq 0', next(2, { seq: 0 }), `${S}_seq_positive`],
  ['seq 1 with a from_state', next(1, { from_state: 'pending' }), `${S}_creation_row`],
  ['seq 2 without from_state', next(2, { from_state: null }), `${S}_creation_row`],
  ['creation row with another trigger', next(1, { trigger: 'start' }), `${S}_creation_trigger`],
  ['seq 1 with a prev_hash', next(1, { prev_hash: fakeHash('x') }), `${S}_chain_start`],
  ['seq 2 without prev_hash', next(2, { prev_hash: null }), `${S}_chain_start`],
  ['hash not 64 hex', next(1, { hash: 'abc' }), `${S}_hash_format`],
  ['prev_hash not 64 hex', next(2, { prev_hash: 'G'.repeat(64) }), `${S}_prev_hash_format`],
  ['unknown severity', next(1, { severity: 'debug' }), `${S}_severity_valid`],
  ['metadata an array', next(1, { metadata: '[]' }), `${S}_metadata_is_object`],
  ['empty trigger', next(2, { trigger: '' }), `${S}_trigger_nonempty`],
  ['no hash', next(1, { hash: null }), 'not_null(hash)'],
];

describe.each(testDatabases())('state_transitions (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(CASES)('INSERT %s', async (_name, values, expected) => {
    expect(await outcome(h.db, values)).toBe(expected);
  });

  it('refuses a second row for the same entity version, and a reused event id', async () => {
    const first = row({ entity_id: 'dup' });
    expect(await outcome(h.db, first)).toBe('ok');
    expect(await outcome(h.db, row({ entity_id: 'dup' }))).toBe(`${S}_entity_seq_key`);
    expect(await outcome(h.db, row({ entity_id: 'other', event_id: first['event_id'] }))).toBe(`${S}_event_id_key`);
  });

  it('is append-only: UPDATE, DELETE and TRUNCATE are rejected by the trigger', async () => {
    expect(await outcome(h.db, row({ entity_id: 'ao' }))).toBe('ok');
    const attempts = [
      sql`UPDATE state_transitions SET reason = 'tampered' WHERE entity_id = 'ao'`,
      sql`DELETE FROM state_transitions WHERE entity_id = 'ao'`,
      sql`TRUNCATE state_transitions`,
    ];
    for (const statement of attempts) {
      const error = await statement.execute(h.db).then(() => null, (e: unknown) => mapDbError(e));
      expect(error).toBeInstanceOf(ConstraintViolationError);
      expect((error as ConstraintViolationError).kind).toBe('append_only');
      expect((error as Error).message).toMatch(/state_transitions is append-only: (UPDATE|DELETE|TRUNCATE) rejected/);
    }
    const { rows } = await sql<{ reason: string | null }>`SELECT reason FROM state_transitions WHERE entity_id = 'ao'`.execute(h.db);
    expect(rows).toEqual([{ reason: null }]);
  });
});
