// Frozen with migration 0001: migrations are append-only, so these helpers never change once
// released; a later migration that needs different SQL writes its own.

// PostgreSQL's regex engine is slow on bounded repeats (`{0,127}`, `{64}`: ~5–7 µs a row, measured),
// so lengths are checked with length() and the characters with an unbounded class (~0.5 µs).

/** SQL condition: `column` is a global entity id (docs/design/plan.md): `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`. */
export function idFormat(column: string): string {
  return `length(${column}) <= 128 AND ${column} ~ '^[A-Za-z0-9][A-Za-z0-9._-]*$'`;
}

/** SQL condition: `column` is lower-case hex of `min`–`max` characters (SHA-256: 64; commit sha: 7–64). */
export function hexFormat(column: string, min = 64, max = min): string {
  const len = min === max ? `length(${column}) = ${min}` : `length(${column}) BETWEEN ${min} AND ${max}`;
  return `${len} AND ${column} ~ '^[0-9a-f]*$'`;
}

/** `('a', 'b', …)`: a SQL list of string literals (state names are plain identifiers, no quoting needed). */
export function sqlList(values: readonly string[]): string {
  for (const v of values) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) throw new Error(`not a plain name: ${v}`);
  return `(${values.map((v) => `'${v}'`).join(', ')})`;
}

/** A named CHECK constraint line. */
export function check(table: string, name: string, expr: string): string {
  return `CONSTRAINT ${table}_${name} CHECK (${expr})`;
}

/** A nullable column that must be non-null exactly in `states`. */
export function presentIn(table: string, column: string, states: readonly string[]): string {
  return check(table, `${column}_iff_state`, `(${column} IS NOT NULL) = (state IN ${sqlList(states)})`);
}

/** `later >= earlier` whenever both are present (SSOT §8.3 timestamp ordering). */
export function notBefore(table: string, later: string, earlier: string): string {
  return check(table, `${later}_after_${earlier}`, `${later} IS NULL OR ${earlier} IS NULL OR ${later} >= ${earlier}`);
}

/** A jsonb column that must hold an array. */
export function jsonArray(table: string, column: string): string {
  return check(table, `${column}_is_array`, `jsonb_typeof(${column}) = 'array'`);
}

/**
 * Columns and checks every entity table has (docs/design/engine.md §3): global id, state in its machine's state
 * set, snapshot, version ≥ 1, machine version, head of the audit hash chain, created/updated times.
 */
export function entityBase(table: string, states: readonly string[]): string[] {
  return [
    `id text PRIMARY KEY ${check(table, 'id_format', idFormat('id'))}`,
    `state text NOT NULL ${check(table, 'state_valid', `state IN ${sqlList(states)}`)}`,
    `snapshot jsonb NOT NULL ${check(table, 'snapshot_is_object', `jsonb_typeof(snapshot) = 'object'`)}`,
    `version integer NOT NULL ${check(table, 'version_positive', 'version >= 1')}`,
    `machine_version text NOT NULL`,
    `last_hash text ${check(table, 'last_hash_format', hexFormat('last_hash'))}`,
    `created_at timestamptz NOT NULL`,
    `updated_at timestamptz NOT NULL`,
    check(table, 'updated_after_created', 'updated_at >= created_at'),
  ];
}

/** `CREATE TABLE name (…)` from column and constraint lines. */
export function createTable(table: string, lines: readonly string[]): string {
  return `CREATE TABLE ${table} (\n  ${lines.join(',\n  ')}\n)`;
}
