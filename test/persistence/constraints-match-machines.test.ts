import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMIT_SHA_PATTERN, dbConstraintFacts, ENTITY_TYPES, machineCatalog, OPERATOR_NAME_MAX_LENGTH } from '../../machines/index.js';
import { ENTITY_TABLES, type Database } from '../../persistence/index.js';
import { currentFrozenFacts } from '../../scripts/db-facts-render.js';
import { MACHINE_FACTS_0006 } from '../../migrations/0006-machine-facts.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// Every CHECK constraint and trigger of the live catalog (pg_constraint, pg_trigger) against the machine catalog
// (machines/db-constraints.ts). When this fails after a machine change, the database no longer says what the machines
// say: take a new snapshot (`npm run db:facts -- NNNN`) and add migration NNNN that builds from it (docs/adr/0011).

const DRIFT = 'the machines changed: add a migration built from a new snapshot (npm run db:facts -- NNNN, docs/adr/0011)';

interface Check { readonly name: string; readonly def: string }
interface Trigger { readonly name: string; readonly def: string }

async function checks(db: Kysely<Database>, table: string): Promise<Check[]> {
  const { rows } = await sql<Check>`
    SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
    WHERE t.relname = ${table} AND t.relnamespace = current_schema()::regnamespace AND c.contype = 'c' ORDER BY 1`.execute(db);
  return rows;
}

async function triggers(db: Kysely<Database>, table: string): Promise<Trigger[]> {
  const { rows } = await sql<Trigger>`
    SELECT g.tgname AS name, pg_get_triggerdef(g.oid) AS def FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
    WHERE t.relname = ${table} AND t.relnamespace = current_schema()::regnamespace AND NOT g.tgisinternal ORDER BY 1`.execute(db);
  return rows;
}

/** The string literals of a definition (`'a'::text`, or plain `'a'` in trigger arguments). */
function literals(def: string): string[] {
  return [...def.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

describe('the frozen snapshot of migration 0006', () => {
  it('equals what the machines derive today', () => {
    expect(currentFrozenFacts(), DRIFT).toEqual(MACHINE_FACTS_0006);
  });
});

describe.each(testDatabases())('constraints match the machines (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(ENTITY_TYPES.map((t) => [t]))('%s: state set, presence per state and reason lengths', async (type) => {
    const facts = dbConstraintFacts.entities[type];
    const { table } = ENTITY_TABLES[type];
    const all = await checks(h.db, table);
    const byName = new Map(all.map((c) => [c.name, c.def]));
    expect(sorted(literals(byName.get(`${table}_state_valid`)!)), DRIFT).toEqual(sorted(machineCatalog[type].states));
    for (const p of facts.presence) {
      const iff = byName.get(`${table}_${p.column}_iff_state`);
      const required = byName.get(`${table}_${p.column}_required_in_state`);
      const absent = byName.get(`${table}_${p.column}_absent_in_state`);
      if (p.required.length + p.absent.length === facts.states.length) {
        expect(iff, `${table}.${p.column}: ${DRIFT}`).toBeDefined();
        expect(sorted(literals(iff!)), DRIFT).toEqual(sorted(p.required));
        expect(required ?? absent).toBeUndefined();
      } else {
        expect(iff, `${table}.${p.column}`).toBeUndefined();
        expect(required ? sorted(literals(required)) : [], DRIFT).toEqual(sorted(p.required));
        expect(absent ? sorted(literals(absent)) : [], DRIFT).toEqual(sorted(p.absent));
      }
    }
    // Every presence check in the table is one the machines state.
    const presence = all.filter((c) => /_(iff|required_in|absent_in)_state$/.test(c.name)).map((c) => c.name);
    const expected = facts.presence.flatMap((p) => [`_iff_state`, `_required_in_state`, `_absent_in_state`].map((s) => `${table}_${p.column}${s}`));
    for (const name of presence) expect(expected, `${name}: ${DRIFT}`).toContain(name);
    for (const c of facts.reasonText) expect(byName.get(`${table}_${c}_length`), DRIFT).toContain(`<= ${dbConstraintFacts.limits.reasonMaxLength}`);
    expect(byName.get(`${table}_id_format`), DRIFT).toContain(`<= ${dbConstraintFacts.limits.idMaxLength}`);
    // Any state a CHECK names is a state of the machine (hand-written checks of 0001 included).
    for (const c of all.filter((x) => /\bstate\b/.test(x.def))) {
      for (const s of literals(c.def).filter((l) => l !== '')) expect(machineCatalog[type].states, `${c.name} names '${s}'`).toContain(s);
    }
  });

  it.each(ENTITY_TYPES.map((t) => [t]))('%s: triggers for terminal states and fixed or append-only columns', async (type) => {
    const facts = dbConstraintFacts.entities[type];
    const { table } = ENTITY_TABLES[type];
    const byName = new Map((await triggers(h.db, table)).map((t) => [t.name, t.def]));
    const terminal = byName.get(`${table}_terminal_final`);
    if (facts.terminal.length === 0) expect(terminal).toBeUndefined();
    else {
      expect(terminal, DRIFT).toMatch(/BEFORE UPDATE .* WHEN \(.*old\.state.*\) EXECUTE FUNCTION gantry_terminal_final\(/);
      const when = terminal!.slice(terminal!.indexOf('WHEN'), terminal!.indexOf('EXECUTE'));
      expect(sorted(literals(when)), DRIFT).toEqual(sorted(facts.terminal));
    }
    const fixed = byName.get(`${table}_fixed_at_creation`);
    expect(fixed ? literals(fixed) : [], DRIFT).toEqual(facts.fixedAtCreation);
    const afterInitial = byName.get(`${table}_fixed_after_initial`);
    expect(afterInitial ? literals(afterInitial) : [], DRIFT).toEqual(facts.fixedAfterInitial.length ? [facts.initial, ...facts.fixedAfterInitial] : []);
    const growing = byName.get(`${table}_append_only_columns`);
    expect(growing ? literals(growing) : [], DRIFT).toEqual(facts.appendOnly);
  });

  it('the audit log: entity types, each row\'s states those of its machine, append-only', async () => {
    const byName = new Map((await checks(h.db, 'state_transitions')).map((c) => [c.name, c.def]));
    expect(sorted(literals(byName.get('state_transitions_entity_type_valid')!)), DRIFT).toEqual(sorted(ENTITY_TYPES));
    const states = byName.get('state_transitions_states_valid')!;
    for (const type of ENTITY_TYPES) {
      const branch = states.slice(states.indexOf(`WHEN '${type}'`)).split(/ WHEN '/)[0]!.split(' THEN ')[1]!;
      expect(new Set(literals(branch)), `${type}: ${DRIFT}`).toEqual(new Set(machineCatalog[type].states));
    }
    expect(byName.get('state_transitions_reason_length'), DRIFT).toContain(`<= ${dbConstraintFacts.limits.reasonMaxLength}`);
    const names = (await triggers(h.db, 'state_transitions')).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['state_transitions_no_update_delete', 'state_transitions_no_truncate']));
  });

  it('limits the event schemas share: commit sha lengths, operator name length', async () => {
    const [, min, max] = /\{(\d+),(\d+)\}/.exec(COMMIT_SHA_PATTERN.source)!;
    const ledger = new Map((await checks(h.db, 'patch_ledger_entries')).map((c) => [c.name, c.def]));
    expect(ledger.get('patch_ledger_entries_commit_sha_format')).toMatch(new RegExp(`length\\(commit_sha\\) >= ${min}\\).*length\\(commit_sha\\) <= ${max}\\)`));
    const operators = new Map((await checks(h.db, 'operators')).map((c) => [c.name, c.def]));
    expect(operators.get('operators_name_format')).toContain(`{0,${OPERATOR_NAME_MAX_LENGTH - 1}}`);
  });
});
