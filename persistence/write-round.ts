import { CompiledQuery, type Kysely } from 'kysely';
import { auditRow, type TransitionAudit } from './audit-record.js';
import { PERSISTED_ENTITY_TYPES, type EntityTableInfo, type SqlColumnType } from './entity-tables.js';
import { PREPARED_MARK } from './prepared-statements.js';
import { toIso } from './sql-values.js';

/** An audit row of a coalesced move other than its last: written only when the row move is. */
export interface EarlierStep {
  /** Position in the caller's batch: audit rows are inserted in this order. */
  readonly index: number;
  readonly seq: number;
  readonly toState: string;
  readonly audit: TransitionAudit;
}

/**
 * One guarded row move with its audit rows; in a round each entity appears at most once. A move of `steps`
 * consecutive transitions of one entity (coalesced, ADR 0012) writes the row once, in its last state, and one
 * audit row per transition: `earlier` ones from the item, the last one from the moved row.
 */
export interface RoundItem {
  /** Position of the last transition in the caller's batch: audit rows are inserted in this order. */
  readonly index: number;
  readonly info: EntityTableInfo;
  readonly id: string;
  readonly expectedVersion: number;
  readonly state: string;
  readonly snapshot: Readonly<Record<string, unknown>>;
  readonly machineVersion: string;
  readonly columns: Readonly<Record<string, unknown>>;
  /** The names of `columns` that are set, sorted (items with the same names share one UPDATE). */
  readonly names: readonly string[];
  /** `names` joined by commas. */
  readonly signature: string;
  /** The last transition's audit row. */
  readonly audit: TransitionAudit;
  /** Transitions written by this move (1 unless coalesced); the version goes from `expectedVersion` to `expectedVersion + steps`. */
  readonly steps: number;
  /** The audit rows of the transitions before the last (empty unless coalesced), in version order. */
  readonly earlier: readonly EarlierStep[];
}

type Field = readonly [name: string, type: SqlColumnType];

/** Fields of the row source besides the table's own columns (named `c_<column>`): the guard, the new managed values and the audit row. */
const FIELDS: readonly Field[] = [
  ['ord', 'integer'], ['id', 'text'], ['expected_version', 'integer'], ['steps', 'integer'], ['state', 'text'], ['snapshot', 'jsonb'],
  ['machine_version', 'text'], ['event_id', 'text'], ['from_state', 'text'], ['trigger', 'text'], ['reason', 'text'],
  ['metadata', 'jsonb'], ['operator', 'text'], ['run_id', 'text'], ['workstream_id', 'text'], ['phase_id', 'text'],
  ['severity', 'text'], ['transitioned_at', 'timestamptz'], ['prev_hash', 'text'], ['hash', 'text'],
];

/** The audit columns in INSERT order; the UPDATEs return exactly these (after `ord`). */
const AUDIT = [
  'event_id', 'entity_type', 'entity_id', 'seq', 'from_state', 'to_state', 'trigger', 'reason', 'metadata', 'operator',
  'run_id', 'workstream_id', 'phase_id', 'severity', 'transitioned_at', 'prev_hash', 'hash',
].join(', ');

/** Types of the audit columns, for the earlier steps' row source. */
const AUDIT_TYPES: readonly Field[] = [
  ['ord', 'integer'], ['event_id', 'text'], ['entity_type', 'text'], ['entity_id', 'text'], ['seq', 'integer'],
  ['from_state', 'text'], ['to_state', 'text'], ['trigger', 'text'], ['reason', 'text'], ['metadata', 'jsonb'],
  ['operator', 'text'], ['run_id', 'text'], ['workstream_id', 'text'], ['phase_id', 'text'], ['severity', 'text'],
  ['transitioned_at', 'timestamptz'], ['prev_hash', 'text'], ['hash', 'text'],
];

/** Audit values taken from the updated row itself rather than sent twice. */
const FROM_ROW: Readonly<Record<string, string>> = { entity_id: 't.id', seq: 't.version', to_state: 't.state' };

const q = (name: string) => `"${name}"`;

function fieldsOf(group: readonly RoundItem[]): Field[] {
  const { info, names } = group[0]!;
  return [...FIELDS, ...names.map((c): Field => [`c_${c}`, info.columns[c]!])];
}

/**
 * `u<i> AS (UPDATE table … FROM <source> v WHERE id and version match RETURNING ord, <audit row>)`. The source is
 * one row of scalar parameters for a single item (cheapest to plan), else `json_to_recordset` of one parameter.
 */
function updateCte(i: number, first: number, group: readonly RoundItem[]): string {
  const { info, names } = group[0]!;
  const fields = fieldsOf(group);
  const source = group.length === 1
    ? `(SELECT ${fields.map(([n, t], k) => `$${first + k}::${t} AS ${q(n)}`).join(', ')}) AS v`
    : `json_to_recordset($${first}::json) AS v (${fields.map(([n, t]) => `${q(n)} ${t}`).join(', ')})`;
  const sets = [
    'state = v.state', 'snapshot = v.snapshot', 'version = t.version + v.steps', 'machine_version = v.machine_version',
    'last_hash = v.hash', 'updated_at = v.transitioned_at', ...names.map((c) => `${q(c)} = v.${q(`c_${c}`)}`),
  ];
  const returning = AUDIT.split(', ').map((c) =>
    c === 'entity_type' ? `'${info.entityType}'::text AS entity_type` : FROM_ROW[c] ? `${FROM_ROW[c]} AS ${c}` : `v.${q(c)}`);
  return `u${i} AS (
  UPDATE ${q(info.table)} AS t SET ${sets.join(', ')}
  FROM ${source}
  WHERE t.id = v.id AND t.version = v.expected_version
  RETURNING v.ord, ${returning.join(', ')})`;
}

/** Statement texts by shape (tables, column sets, single or many); the shapes in use are few. */
const statements = new Map<string, string>();
const MAX_CACHED = 500;

function roundStatement(groups: readonly (readonly RoundItem[])[], earlier: boolean): string {
  const key = `${earlier ? 'e' : ''}${groups.map((g) => `${g[0]!.info.entityType}:${g[0]!.signature}:${g.length === 1 ? 1 : 'n'}`).join('|')}`;
  const cached = statements.get(key);
  if (cached !== undefined) return cached;
  let first = 1;
  const ctes = groups.map((g, i) => {
    const cte = updateCte(i, first, g);
    first += g.length === 1 ? fieldsOf(g).length : 1;
    return cte;
  });
  let union = groups.map((_, i) => `SELECT * FROM u${i}`).join(' UNION ALL ');
  if (earlier) {
    // The earlier steps' audit rows, of exactly the rows moved (a move refused by its guard writes none of them).
    ctes.push(`m AS (${union})`);
    union = `SELECT * FROM m UNION ALL SELECT e.* FROM json_to_recordset($${first}::json) AS e (${AUDIT_TYPES.map(([n, t]) => `${q(n)} ${t}`).join(', ')})
  WHERE (e.entity_type, e.entity_id) IN (SELECT entity_type, entity_id FROM m)`;
  }
  const text = `${PREPARED_MARK}WITH ${ctes.join(',\n')}
INSERT INTO state_transitions (${AUDIT})
SELECT ${AUDIT} FROM (${union}) AS a ORDER BY a.ord
RETURNING entity_type, entity_id`;
  if (statements.size < MAX_CACHED) statements.set(key, text);
  return text;
}

/** A value for the row source: times as ISO text, non-finite numbers as their SQL spelling, missing as null. */
function encode(type: SqlColumnType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (type === 'timestamptz') return toIso(value as number | Date | string);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

function sourceRow(item: RoundItem): Record<string, unknown> {
  const a = item.audit;
  const row: Record<string, unknown> = {
    ord: item.index, id: item.id, expected_version: item.expectedVersion, steps: item.steps, state: item.state, snapshot: item.snapshot,
    machine_version: item.machineVersion, event_id: a.eventId, from_state: a.fromState, trigger: a.trigger,
    reason: a.reason ?? null, metadata: a.metadata ?? {}, operator: a.operator ?? null, run_id: a.runId ?? null,
    workstream_id: a.workstreamId ?? null, phase_id: a.phaseId ?? null, severity: a.severity,
    transitioned_at: toIso(a.transitionedAt), prev_hash: a.prevHash, hash: a.hash,
  };
  for (const c of item.names) row[`c_${c}`] = encode(item.info.columns[c]!, item.columns[c]);
  return row;
}

/** The parameters of one group: its single row's fields (jsonb as JSON text, SQL NULL kept), or all rows as one JSON array. */
function groupParams(group: readonly RoundItem[]): unknown[] {
  if (group.length > 1) return [JSON.stringify(group.map(sourceRow))];
  const row = sourceRow(group[0]!);
  return fieldsOf(group).map(([n, t]) => (t === 'jsonb' && row[n] !== null ? JSON.stringify(row[n]) : row[n]));
}

/** The earlier steps' audit rows of a round, as one JSON array (column order of `AUDIT_TYPES`). */
function earlierParam(items: readonly RoundItem[]): string {
  const rows: Record<string, unknown>[] = [];
  for (const item of items) {
    for (const step of item.earlier) {
      rows.push({ ord: step.index, ...auditRow(item.info.entityType, item.id, step.seq, step.toState, step.audit) });
    }
  }
  return JSON.stringify(rows);
}

const byId = (x: RoundItem, y: RoundItem) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);

/** One round as a statement ready to send, and how to read which items its returned rows applied. */
export interface RoundQuery {
  readonly query: CompiledQuery<{ entity_type: string; entity_id: string }>;
  /** The batch indexes of the items applied, from the statement's rows. */
  applied(rows: readonly { entity_type: string; entity_id: string }[]): Set<number>;
}

/**
 * The statement of {@link writeRound}, not sent: for a caller that sends it on its own connection (pipelined with
 * other statements of its transaction, persistence/claim-round.ts).
 */
export function roundQuery(items: readonly RoundItem[]): RoundQuery {
  const byGroup = new Map<string, RoundItem[]>();
  for (const item of items) {
    const key = `${item.info.entityType}:${item.signature}`;
    const group = byGroup.get(key);
    if (group) group.push(item);
    else byGroup.set(key, [item]);
  }
  // Tables in a fixed order (and rows by id within each), so that concurrent rounds lock rows in one order.
  const rank = (g: readonly RoundItem[]) => PERSISTED_ENTITY_TYPES.indexOf(g[0]!.info.entityType);
  const groups = [...byGroup.values()].sort((a, b) => rank(a) - rank(b) || (a[0]!.signature < b[0]!.signature ? -1 : 1));
  for (const g of groups) g.sort(byId);
  const params = groups.flatMap(groupParams);
  const earlier = items.some((i) => i.earlier.length > 0);
  if (earlier) params.push(earlierParam(items));
  return {
    query: CompiledQuery.raw(roundStatement(groups, earlier), params) as CompiledQuery<{ entity_type: string; entity_id: string }>,
    applied: (rows) => {
      const index = new Map(items.map((i) => [`${i.info.entityType}\u0000${i.id}`, i.index]));
      return new Set(rows.map((r) => index.get(`${r.entity_type}\u0000${r.entity_id}`)!));
    },
  };
}

/**
 * Writes one round (each entity at most once) as ONE statement: per table and column set a guarded
 * `UPDATE … WHERE id = … AND version = expected` (rows in id order, so concurrent writers lock in the
 * same order) returning the audit row of each row it moved, and an `INSERT` of exactly those audit
 * rows in batch order. A single statement is atomic on its own: outside a transaction it needs no
 * BEGIN/COMMIT. The text depends only on the batch's shape, so PostgreSQL connections keep it
 * prepared. Returns the batch indexes of the items applied.
 */
export async function writeRound(db: Kysely<any>, items: readonly RoundItem[]): Promise<Set<number>> {
  const round = roundQuery(items);
  const { rows } = await db.executeQuery(round.query);
  return round.applied(rows);
}
