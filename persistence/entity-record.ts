import { MANAGED_COLUMNS, type EntityTableInfo } from './entity-tables.js';

/** One entity row as the actor layer reads it: managed fields, then the table's own columns by name. */
export interface EntityRecord {
  readonly entityType: string;
  readonly id: string;
  readonly state: string;
  readonly snapshot: Record<string, unknown>;
  /** Incremented by every committed transition; 1 after creation. */
  readonly version: number;
  readonly machineVersion: string;
  /** Hash of the entity's newest audit row (head of its chain), null only for rows written outside this layer. */
  readonly lastHash: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Table-specific columns (timestamps as Date, jsonb parsed), keyed by column name. */
  readonly columns: Readonly<Record<string, unknown>>;
}

const MANAGED = new Set<string>(MANAGED_COLUMNS);

function asDate(v: unknown): Date {
  return v instanceof Date ? v : new Date(v as string);
}

function asJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

/** Maps a raw table row to an {@link EntityRecord}. */
export function toEntityRecord(info: EntityTableInfo, row: Record<string, unknown>): EntityRecord {
  const columns: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    if (MANAGED.has(name)) continue;
    const type = info.columns[name];
    if (value === null || value === undefined) columns[name] = null;
    else if (type === 'timestamptz') columns[name] = asDate(value);
    else if (type === 'jsonb') columns[name] = asJson(value);
    else columns[name] = value;
  }
  return {
    entityType: info.entityType,
    id: String(row['id']),
    state: String(row['state']),
    snapshot: asJson(row['snapshot']) as Record<string, unknown>,
    version: Number(row['version']),
    machineVersion: String(row['machine_version']),
    lastHash: (row['last_hash'] as string | null) ?? null,
    createdAt: asDate(row['created_at']),
    updatedAt: asDate(row['updated_at']),
    columns,
  };
}
