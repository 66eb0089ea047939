import { NO_MIGRATIONS, type Kysely } from 'kysely';
import { migrationStatus, schemaMigrator } from './migrate.js';
import { MigrationError, UnknownMigrationError } from './errors.js';

/** How far {@link rollbackMigrations} goes back. */
export interface RollbackOptions {
  /**
   * Undo the migrations applied after this one (it stays applied); default: undo only the last applied one.
   * `null` undoes every migration (an empty schema but for the migration tables).
   */
  readonly to?: string | null;
}

/** What {@link rollbackMigrations} undid, newest first (empty when nothing was applied after the target). */
export interface RollbackResult {
  readonly undone: readonly string[];
}

/**
 * Undoes schema migrations with their `down()`, newest first, in one transaction under the migration lock (like
 * `migrateToLatest`): the last applied one by default, or every one applied after `opts.to`. Refuses a `to` that is
 * not an applied migration with {@link UnknownMigrationError}, which lists the applied ones. A failing `down()` is a
 * {@link MigrationError} naming it; nothing is undone then.
 */
export async function rollbackMigrations(db: Kysely<any>, opts: RollbackOptions = {}): Promise<RollbackResult> {
  const applied = (await migrationStatus(db)).filter((m) => m.executedAt !== null).map((m) => m.name);
  if (opts.to !== undefined && opts.to !== null && !applied.includes(opts.to)) throw new UnknownMigrationError(opts.to, applied);
  if (applied.length === 0) return { undone: [] };
  let failure: { name: string; error: unknown } | null = null;
  const migrator = await schemaMigrator(db, (name, error) => (failure ??= { name, error }));
  try {
    const { error, results } =
      opts.to === undefined ? await migrator.migrateDown() : await migrator.migrateTo(opts.to === null ? NO_MIGRATIONS : opts.to);
    if (error) throw error;
    return { undone: (results ?? []).filter((r) => r.status === 'Success' && r.direction === 'Down').map((r) => r.migrationName) };
  } catch (error) {
    const f = failure as { name: string; error: unknown } | null;
    if (f) throw new MigrationError(f.name, { cause: f.error });
    throw new MigrationError(null, { cause: error });
  }
}
