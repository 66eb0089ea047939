import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { migrations } from '../migrations/index.js';
import { MigrationError } from './errors.js';

/** Name of the table that records applied migrations (in the connection's current schema). */
export const MIGRATION_TABLE = 'gantry_migration';
/** Name of Kysely's migration lock table (in the connection's current schema). */
export const MIGRATION_LOCK_TABLE = 'gantry_migration_lock';

/** One migration and when it was applied (null: pending). */
export interface MigrationStatusEntry {
  readonly name: string;
  readonly executedAt: Date | null;
}

/** What `migrateToLatest` did: the migrations it applied now (empty when already up to date). */
export interface MigrateResult {
  readonly applied: readonly string[];
}

/** Wraps each migration so that its own error survives (Kysely may mask it while releasing its lock). */
function provider(onError: (name: string, error: unknown) => void): MigrationProvider {
  const wrapped: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(migrations)) {
    const guard = (step: (db: Kysely<any>) => Promise<void>) => async (db: Kysely<any>) => {
      try {
        await step(db);
      } catch (error) {
        onError(name, error);
        throw error;
      }
    };
    wrapped[name] = { up: guard(m.up), ...(m.down ? { down: guard(m.down) } : {}) };
  }
  return { getMigrations: async () => wrapped };
}

function migrator(db: Kysely<any>, schema: string, onError: (name: string, error: unknown) => void = () => {}): Migrator {
  return new Migrator({
    db,
    provider: provider(onError),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    migrationTableSchema: schema,
  });
}

/** Kysely's migrator over the known migrations, in the connection's current schema (for {@link rollbackMigrations}). */
export async function schemaMigrator(db: Kysely<any>, onError: (name: string, error: unknown) => void = () => {}): Promise<Migrator> {
  return migrator(db, await currentSchema(db), onError);
}

async function currentSchema(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new MigrationError(null, { cause: new Error('no current schema: check search_path') });
  return schema;
}

/**
 * Whether every known migration is recorded as applied, in two small queries: the common case of every command
 * start, where Kysely's migrator would first introspect and create its tables and lock row (slow on a cold PGlite).
 */
async function upToDate(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`select to_regclass(${MIGRATION_TABLE}) is not null as present`.execute(db);
  if (rows[0]?.present !== true) return false;
  const applied = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
  const names = new Set(applied.rows.map((r) => r.name));
  return Object.keys(migrations).every((name) => names.has(name));
}

/**
 * Applies every pending migration in ONE transaction, serialised by Kysely's migration lock (a session-level
 * `pg_advisory_lock` on PostgreSQL, taken before the transaction; PGlite has one connection and needs none), so
 * concurrent migrators never apply a migration twice; Kysely's creation of its own tables tolerates a concurrent
 * creator. A second run is a no-op (and only reads the migration table).
 */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrateResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db);
    } catch (error) {
      if (attempt >= CATALOG_RACE_ATTEMPTS || !catalogRace(error)) throw error;
    }
  }
}

/** The errors of a catalog read racing another session's DDL: undefined schema, table, column, object. */
const CATALOG_RACE_CODES: ReadonlySet<string> = new Set(['3F000', '42P01', '42703', '42704']);

/** How often the migrator's setup is tried when another session's DDL raced its introspection: 5. */
const CATALOG_RACE_ATTEMPTS = 5;

/**
 * Whether a migration failed in Kysely's setup (not inside a migration) because its introspection — which lists the
 * tables and columns of every schema of the database — met a schema, table, column or type another session dropped or
 * created meanwhile (3F000, 42P01, 42703, 42704).
 * Nothing was applied then, so the setup is simply tried again.
 */
function catalogRace(error: unknown): boolean {
  if (!(error instanceof MigrationError) || error.migration !== null) return false;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CATALOG_RACE_CODES.has(code);
}

async function migrateOnce(db: Kysely<any>): Promise<MigrateResult> {
  if (await upToDate(db)) return { applied: [] };
  const schema = await currentSchema(db);
  let failure: { name: string; error: unknown } | null = null;
  const onError = (name: string, error: unknown) => (failure ??= { name, error });
  try {
    const { error, results } = await migrator(db, schema, onError).migrateToLatest();
    if (error) throw error;
    return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
  } catch (error) {
    const f = failure as { name: string; error: unknown } | null;
    if (f) throw new MigrationError(f.name, { cause: f.error });
    throw new MigrationError(null, { cause: error });
  }
}

/** Every known migration with the time it was applied, null when pending. */
export async function migrationStatus(db: Kysely<any>): Promise<MigrationStatusEntry[]> {
  const schema = await currentSchema(db);
  try {
    const infos = await migrator(db, schema).getMigrations();
    return infos.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
  } catch (error) {
    throw new MigrationError(null, { cause: error });
  }
}
