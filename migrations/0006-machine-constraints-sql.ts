import { sqlList } from './0001-init-parts.js';

// Frozen with migration 0006 (append-only): SQL built from a snapshot of the machines' constraint facts
// (machines/db-constraints.ts, written into 0006-machine-facts.ts by `npm run db:facts`). A later migration that
// needs other facts takes a new snapshot and may reuse these builders; it never edits them (docs/adr/0011).

/** Where a column must hold a value (`required`) and where it must be null (`absent`), by state. */
export interface FrozenPresence {
  readonly column: string;
  readonly required: readonly string[];
  readonly absent: readonly string[];
}

/** One entity table's facts, as the machines stated them when the snapshot was taken. */
export interface FrozenTableFacts {
  readonly table: string;
  readonly entityType: string;
  readonly states: readonly string[];
  readonly initial: string;
  readonly terminal: readonly string[];
  readonly presence: readonly FrozenPresence[];
  readonly fixedAtCreation: readonly string[];
  readonly fixedAfterInitial: readonly string[];
  readonly appendOnly: readonly string[];
  readonly reasonText: readonly string[];
  /** Columns outside the machine context that may still be written in a terminal state (a gate's output). */
  readonly terminalWritable: readonly string[];
}

/** A snapshot of every entity table's facts and the payload limits. */
export interface FrozenMachineFacts {
  readonly tables: readonly FrozenTableFacts[];
  readonly limits: { readonly idMaxLength: number; readonly reasonMaxLength: number };
}

const AUDIT = 'state_transitions';

/** `ALTER TABLE … ADD CONSTRAINT name CHECK (expr)`, optionally `NOT VALID` (rows already stored are not checked). */
function addCheck(table: string, name: string, expr: string, notValid = false): string {
  return `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${name} CHECK (${expr})${notValid ? ' NOT VALID' : ''}`;
}

function dropConstraint(table: string, name: string): string {
  return `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table}_${name}`;
}

function idCheck(column: string, max: number): string {
  return `length(${column}) <= ${max} AND ${column} ~ '^[A-Za-z0-9][A-Za-z0-9._-]*$'`;
}

/** Constraint names (without the table prefix) of one presence fact: one `_iff_state`, or a required and/or an absent check. */
export function presenceChecks(t: FrozenTableFacts, p: FrozenPresence): { name: string; expr: string }[] {
  const c = p.column;
  if (p.required.length + p.absent.length === t.states.length && p.required.length > 0) {
    return [{ name: `${c}_iff_state`, expr: `(${c} IS NOT NULL) = (state IN ${sqlList(p.required)})` }];
  }
  const out: { name: string; expr: string }[] = [];
  if (p.required.length > 0) out.push({ name: `${c}_required_in_state`, expr: `state NOT IN ${sqlList(p.required)} OR ${c} IS NOT NULL` });
  if (p.absent.length > 0) out.push({ name: `${c}_absent_in_state`, expr: `state NOT IN ${sqlList(p.absent)} OR ${c} IS NULL` });
  return out;
}

/** The functions the triggers share: a terminal row never changes; fixed columns; arrays that only grow. */
const FUNCTIONS: readonly string[] = [
  // SSOT §8.2: once terminal, never changed again; TG_ARGV names the columns outside the machine context still writable.
  `CREATE FUNCTION gantry_terminal_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - coalesce(TG_ARGV, '{}')) IS DISTINCT FROM (to_jsonb(OLD) - coalesce(TG_ARGV, '{}')) THEN
    RAISE EXCEPTION '% % is in the terminal state %: it never changes again (SSOT §8.2)', TG_TABLE_NAME, OLD.id, OLD.state
      USING ERRCODE = 'GA801', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME,
        HINT = 'a reset or re-run creates a new entity linked by retry_of (SSOT §8.2.3)';
  END IF;
  RETURN NEW;
END
$$`,
  // SSOT §1.4.5 inv. 8, §1.5.7, §2.1: the columns of TG_ARGV never change (the trigger's WHEN says from when on).
  `CREATE FUNCTION gantry_fixed_columns() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c text;
BEGIN
  FOREACH c IN ARRAY TG_ARGV LOOP
    IF (to_jsonb(NEW) -> c) IS DISTINCT FROM (to_jsonb(OLD) -> c) THEN
      RAISE EXCEPTION '%.% of % is fixed: % rejected', TG_TABLE_NAME, c, OLD.id, TG_OP
        USING ERRCODE = 'GA802', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME, COLUMN = c;
    END IF;
  END LOOP;
  RETURN NEW;
END
$$`,
  // SSOT §2.2.5: the JSON arrays of TG_ARGV only grow; the new value starts with the old one.
  `CREATE FUNCTION gantry_growing_arrays() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c text;
  o jsonb;
  n jsonb;
BEGIN
  FOREACH c IN ARRAY TG_ARGV LOOP
    o := to_jsonb(OLD) -> c;
    n := to_jsonb(NEW) -> c;
    IF jsonb_array_length(n) < jsonb_array_length(o)
      OR EXISTS (SELECT 1 FROM jsonb_array_elements(o) WITH ORDINALITY AS e(v, i) WHERE n -> (e.i::int - 1) IS DISTINCT FROM e.v) THEN
      RAISE EXCEPTION '%.% of % is append-only: % rejected (SSOT §2.2.5)', TG_TABLE_NAME, c, OLD.id, TG_OP
        USING ERRCODE = 'GA803', CONSTRAINT = TG_NAME, TABLE = TG_TABLE_NAME, COLUMN = c;
    END IF;
  END LOOP;
  RETURN NEW;
END
$$`,
];

const args = (columns: readonly string[]): string => columns.map((c) => `'${c}'`).join(', ');

/** The CHECK constraints and triggers of one entity table built from its facts. */
function tableDdl(t: FrozenTableFacts, idMax: number, reasonMax: number): string[] {
  const T = t.table;
  const out = [
    dropConstraint(T, 'state_valid'),
    addCheck(T, 'state_valid', `state IN ${sqlList(t.states)}`),
    dropConstraint(T, 'id_format'),
    addCheck(T, 'id_format', idCheck('id', idMax)),
  ];
  for (const p of t.presence) {
    for (const c of presenceChecks(t, p)) out.push(dropConstraint(T, c.name), addCheck(T, c.name, c.expr));
  }
  for (const c of t.reasonText) out.push(addCheck(T, `${c}_length`, `length(${c}) <= ${reasonMax}`));
  if (t.terminal.length > 0) {
    out.push(
      `CREATE TRIGGER ${T}_terminal_final BEFORE UPDATE ON ${T} FOR EACH ROW WHEN (OLD.state IN ${sqlList(t.terminal)}) ` +
        `EXECUTE FUNCTION gantry_terminal_final(${args(t.terminalWritable)})`,
    );
  }
  if (t.fixedAtCreation.length > 0) {
    out.push(`CREATE TRIGGER ${T}_fixed_at_creation BEFORE UPDATE ON ${T} FOR EACH ROW EXECUTE FUNCTION gantry_fixed_columns(${args(t.fixedAtCreation)})`);
  }
  if (t.fixedAfterInitial.length > 0) {
    out.push(
      `CREATE TRIGGER ${T}_fixed_after_initial BEFORE UPDATE ON ${T} FOR EACH ROW WHEN (OLD.state <> '${t.initial}') ` +
        `EXECUTE FUNCTION gantry_fixed_columns(${args(t.fixedAfterInitial)})`,
    );
  }
  if (t.appendOnly.length > 0) {
    out.push(`CREATE TRIGGER ${T}_append_only_columns BEFORE UPDATE ON ${T} FOR EACH ROW EXECUTE FUNCTION gantry_growing_arrays(${args(t.appendOnly)})`);
  }
  return out;
}

/**
 * The audit table's checks: entity types, each row's states are states of its entity's machine, entity id and
 * reason lengths. `NOT VALID` where a later machine could disown what history holds (audit rows are never rewritten).
 */
function auditDdl(f: FrozenMachineFacts): string[] {
  const cases = f.tables.map((t) => `WHEN '${t.entityType}' THEN to_state IN ${sqlList(t.states)} AND (from_state IS NULL OR from_state IN ${sqlList(t.states)})`);
  return [
    dropConstraint(AUDIT, 'entity_type_valid'),
    addCheck(AUDIT, 'entity_type_valid', `entity_type IN ${sqlList(f.tables.map((t) => t.entityType))}`, true),
    addCheck(AUDIT, 'states_valid', `CASE entity_type ${cases.join(' ')} ELSE false END`, true),
    dropConstraint(AUDIT, 'entity_id_format'),
    addCheck(AUDIT, 'entity_id_format', idCheck('entity_id', f.limits.idMaxLength), true),
    addCheck(AUDIT, 'reason_length', `length(reason) <= ${f.limits.reasonMaxLength}`, true),
  ];
}

/** Statements of migration 0006's `up`, built from a facts snapshot. */
export function machineConstraintsUp(f: FrozenMachineFacts, replaced: Readonly<Record<string, readonly string[]>>): string[] {
  const drops = Object.entries(replaced).flatMap(([table, names]) => names.map((n) => dropConstraint(table, n)));
  return [...drops, ...FUNCTIONS, ...f.tables.flatMap((t) => tableDdl(t, f.limits.idMaxLength, f.limits.reasonMaxLength)), ...auditDdl(f)];
}

/** Statements of migration 0006's `down`: the triggers, their functions and the checks 0006 added that 0001 did not have. */
export function machineConstraintsDown(f: FrozenMachineFacts): string[] {
  const out: string[] = [];
  for (const t of f.tables) {
    for (const trg of ['terminal_final', 'fixed_at_creation', 'fixed_after_initial', 'append_only_columns']) out.push(`DROP TRIGGER IF EXISTS ${t.table}_${trg} ON ${t.table}`);
    for (const p of t.presence) for (const c of presenceChecks(t, p)) if (!c.name.endsWith('_iff_state')) out.push(dropConstraint(t.table, c.name));
    for (const c of t.reasonText) out.push(dropConstraint(t.table, `${c}_length`));
  }
  out.push(dropConstraint(AUDIT, 'states_valid'), dropConstraint(AUDIT, 'reason_length'));
  out.push('DROP FUNCTION gantry_terminal_final()', 'DROP FUNCTION gantry_fixed_columns()', 'DROP FUNCTION gantry_growing_arrays()');
  return out;
}
