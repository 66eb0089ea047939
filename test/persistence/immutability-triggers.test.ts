import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbConstraintFacts, ENTITY_TYPES, REASON_MAX_LENGTH } from '../../machines/index.js';
import {
  commitTransitions, ConstraintViolationError, ENTITY_TABLES, FixedColumnViolationError, insertEntities, mapDbError, recordGateOutput,
  TerminalStateViolationError, type Database,
} from '../../persistence/index.js';
import { at, eventId, fakeHash, newEntity, transition } from '../support/audit-fixtures.js';
import { insertOutcome, legalRow } from '../support/legal-rows.js';
import { migration0006MachineConstraints } from '../../migrations/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// The database refuses what the SSOT calls immutable (migration 0006): leaving or changing a terminal row (§8.2),
// changing is_critical (§1.4.5 inv. 8) or an affinity after the initial state (§1.5.7, §2.1), rewriting a ledger's
// state_history (§2.2.5) or an audit row (§8.5) — each refusal a named persistence error.

let n = 0;
const nextId = (p: string): string => `${p}-${++n}`;

/** The error a raw statement raises, mapped to the persistence layer's errors; null when it succeeded. */
async function refusal(db: Kysely<Database>, statement: ReturnType<typeof sql>): Promise<unknown> {
  try {
    await statement.execute(db);
    return null;
  } catch (error) {
    return mapDbError(error);
  }
}

describe.each(testDatabases())('immutability triggers (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  const withTerminal = ENTITY_TYPES.filter((t) => dbConstraintFacts.entities[t].terminal.length > 0);
  it.each(withTerminal.map((t) => [t]))('%s: no UPDATE leaves or changes a terminal row', async (type) => {
    const { table } = ENTITY_TABLES[type];
    const facts = dbConstraintFacts.entities[type];
    for (const state of facts.terminal) {
      const id = nextId(type);
      expect(await insertOutcome(h.db, type, legalRow(type, state, id))).toBe('ok');
      for (const set of [sql`state = ${facts.initial}`, sql`version = version + 1`, sql`updated_at = updated_at + interval '1 second'`]) {
        const e = await refusal(h.db, sql`UPDATE ${sql.table(table)} SET ${set} WHERE id = ${id}`);
        expect(e, `${table} ${state}`).toBeInstanceOf(TerminalStateViolationError);
        expect(e).toMatchObject({ kind: 'terminal', table, constraint: `${table}_terminal_final` });
        expect((e as Error).message).toContain(`terminal state ${state}`);
      }
    }
  });

  it('a terminal transition through commitTransitions is refused with TerminalStateViolationError, nothing written', async () => {
    await insertEntities(h.db, [newEntity('task', 'imm-done', 'completed', { started_at: at(1), completed_at: at(2) })]);
    const e = await commitTransitions(h.db, [transition('task', 'imm-done', 1, 'completed', 'pending', { completed_at: null })]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TerminalStateViolationError);
    const { rows } = await sql<{ state: string; version: number }>`SELECT state, version FROM tasks WHERE id = 'imm-done'`.execute(h.db);
    expect(rows).toEqual([{ state: 'completed', version: 1 }]);
  });

  it('a finished gate still records its output (the columns outside the machine context)', async () => {
    const id = nextId('gate');
    expect(await insertOutcome(h.db, 'test_gate', legalRow('test_gate', 'PASSED', id))).toBe('ok');
    await recordGateOutput(h.db, id, { stdout: 'all green', stderr: '', stdoutTruncated: false, stderrTruncated: true });
    const e = await refusal(h.db, sql`UPDATE test_gates SET exit_code = 1 WHERE id = ${id}`);
    expect(e).toBeInstanceOf(TerminalStateViolationError);
  });

  it('is_critical is fixed at creation, in every state', async () => {
    for (const state of ['pending', 'running']) {
      const id = nextId('crit');
      expect(await insertOutcome(h.db, 'task', legalRow('task', state, id))).toBe('ok');
      const e = await refusal(h.db, sql`UPDATE tasks SET is_critical = true WHERE id = ${id}`);
      expect(e).toBeInstanceOf(FixedColumnViolationError);
      expect(e).toMatchObject({ kind: 'fixed_column', table: 'tasks', column: 'is_critical', constraint: 'tasks_fixed_at_creation' });
      expect(await refusal(h.db, sql`UPDATE tasks SET is_critical = false, retry_count = 0 WHERE id = ${id}`)).toBeNull();
    }
  });

  it.each([['worker', 'workers', 'idle'], ['uet_worker', 'uet_workers', 'IDLE']] as const)(
    '%s: the affinity may change in the initial state only',
    async (type, table, later) => {
      const initial = dbConstraintFacts.entities[type].initial;
      const id = nextId(type);
      expect(await insertOutcome(h.db, type, legalRow(type, initial, id))).toBe('ok');
      expect(await refusal(h.db, sql`UPDATE ${sql.table(table)} SET affinity = '["ws-a"]'::jsonb WHERE id = ${id}`)).toBeNull();
      const other = nextId(type);
      expect(await insertOutcome(h.db, type, legalRow(type, later, other))).toBe('ok');
      const e = await refusal(h.db, sql`UPDATE ${sql.table(table)} SET affinity = '["ws-b"]'::jsonb WHERE id = ${other}`);
      expect(e).toBeInstanceOf(FixedColumnViolationError);
      expect(e).toMatchObject({ table, column: 'affinity', constraint: `${table}_fixed_after_initial` });
    },
  );

  it('a ledger entry\'s state_history only grows', async () => {
    const id = nextId('led');
    const first = { state: 'created', at: at(0), event: 'create' };
    expect(await insertOutcome(h.db, 'patch_ledger', { ...legalRow('patch_ledger', 'created', id), state_history: [first] })).toBe('ok');
    const grown = JSON.stringify([first, { state: 'validated', at: at(1), event: 'validation_passed' }]);
    expect(await refusal(h.db, sql`UPDATE patch_ledger_entries SET state_history = ${grown}::jsonb WHERE id = ${id}`)).toBeNull();
    for (const bad of [[first], [{ ...first, event: 'forged' }, { state: 'validated', at: at(1), event: 'validation_passed' }], []]) {
      const e = await refusal(h.db, sql`UPDATE patch_ledger_entries SET state_history = ${JSON.stringify(bad)}::jsonb WHERE id = ${id}`);
      expect(e).toBeInstanceOf(ConstraintViolationError);
      expect(e).toMatchObject({ kind: 'append_only', table: 'patch_ledger_entries', column: 'state_history' });
    }
  });

  it('audit rows and checkpoints are never updated or deleted', async () => {
    await insertEntities(h.db, [newEntity('run', 'imm-run', 'pending')]);
    for (const statement of [
      sql`UPDATE state_transitions SET reason = 'forged' WHERE entity_id = 'imm-run'`,
      sql`DELETE FROM state_transitions WHERE entity_id = 'imm-run'`,
      sql`UPDATE audit_checkpoints SET digest = digest`,
      sql`DELETE FROM audit_checkpoints`,
    ]) {
      await sql`INSERT INTO audit_checkpoints (created_at, head_count, heads, digest, signature, key_fingerprint)
        VALUES (now(), 0, '[]'::jsonb, ${fakeHash('d')}, 'c2ln', ${fakeHash('k')})`.execute(h.db);
      const e = await refusal(h.db, statement);
      expect(e).toBeInstanceOf(ConstraintViolationError);
      expect(e).toMatchObject({ kind: 'append_only' });
    }
  });

  it('an audit row names states of its entity\'s machine and a reason within REASON_MAX_LENGTH', async () => {
    const row = (toState: string, reason: string | null) => sql`
      INSERT INTO state_transitions (event_id, entity_type, entity_id, seq, from_state, to_state, trigger, reason, severity, transitioned_at, hash)
      VALUES (${eventId()}, 'task', ${nextId('aud')}, 1, NULL, ${toState}, 'create', ${reason}, 'info', now(), ${fakeHash(toState, reason)})`;
    expect(await refusal(h.db, row('pending', 'x'.repeat(REASON_MAX_LENGTH)))).toBeNull();
    expect(await refusal(h.db, row('PENDING', null))).toMatchObject({ kind: 'check', constraint: 'state_transitions_states_valid' });
    expect(await refusal(h.db, row('pending', 'x'.repeat(REASON_MAX_LENGTH + 1)))).toMatchObject({ kind: 'check', constraint: 'state_transitions_reason_length' });
  });

  it('migration 0006 down removes its triggers and restores the checks of 0001; up rebuilds them', async () => {
    const names = async (db: Kysely<any>): Promise<string[]> => {
      const { rows } = await sql<{ n: string }>`
        SELECT conname AS n FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
        UNION ALL SELECT tgname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
        WHERE t.relnamespace = current_schema()::regnamespace AND NOT g.tgisinternal ORDER BY 1`.execute(db);
      return rows.map((r) => r.n);
    };
    const before = await names(h.db);
    await h.db.transaction().execute(async (trx) => {
      await migration0006MachineConstraints.down!(trx);
      const down = await names(trx);
      expect(down).not.toContain('tasks_terminal_final');
      expect(down).toEqual(expect.arrayContaining(['runs_started_at_when_started', 'tasks_started_at_when_executing', 'tasks_state_valid']));
      await migration0006MachineConstraints.up(trx);
    });
    expect((await names(h.db)).sort()).toEqual([...before].sort());
  });

  it('reason and error columns hold at most REASON_MAX_LENGTH characters', async () => {
    const id = nextId('len');
    const long = 'x'.repeat(REASON_MAX_LENGTH + 1);
    expect(await insertOutcome(h.db, 'task', { ...legalRow('task', 'failed', id), last_error: long })).toBe('tasks_last_error_length');
    expect(await insertOutcome(h.db, 'task', { ...legalRow('task', 'failed', nextId('len')), last_error: long.slice(1) })).toBe('ok');
  });
});
