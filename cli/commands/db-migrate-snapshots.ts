import { migrateSnapshots } from '../../ops/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { withDatabase } from '../open-database.js';

/**
 * `gantry db migrate-snapshots [--dry-run]`: brings every stored entity persisted under an older machine version to
 * the current one through the registered snapshot migrations; exit 1 listing the entities without a migration path.
 */
export const dbMigrateSnapshotsCommand: Command = {
  name: 'db migrate-snapshots',
  summary: 'migrate stored snapshots written by older machine versions (exit 1 listing those without a migration)',
  usage: 'db migrate-snapshots [--dry-run] [--db URL | --state-dir DIR] [--json]',
  description:
    'Every entity whose snapshot was persisted under an older machine version is migrated through the snapshot ' +
    'migrations of machines/migrations/, checked against the current machine and written back with the current ' +
    "version and an audit row (trigger 'snapshot_migration'), in batches under optimistic locking. Terminal entities " +
    'are never rewritten: they are migrated on every read. Entities with no migration path are listed and left as ' +
    'stored (exit 1); the others are migrated. Running it again finds nothing more to do.',
  options: { 'dry-run': { type: 'boolean' } },
  optionHelp: { 'dry-run': 'count and check only, write nothing' },
  async run(ctx) {
    positionalArgs(ctx, []);
    const dryRun = ctx.options['dry-run'] === true;
    return withDatabase(ctx.global, async (handle) => {
      const r = await migrateSnapshots(handle.db, { dryRun });
      if (ctx.global.json) {
        const refused = r.refused.map((x) => ({ entity_type: x.entityType, id: x.id, stored_version: x.storedVersion, current_version: x.currentVersion, error: x.error.message }));
        ctx.io.out(JSON.stringify({ target: handle.target, dry_run: r.dryRun, counts: r.counts, refused }));
      } else {
        const verb = r.dryRun ? 'would migrate' : 'migrated';
        if (r.counts.length === 0) ctx.io.out(`every stored snapshot is under its machine's current version on ${handle.target}`);
        for (const c of r.counts) {
          ctx.io.out(`${c.entityType} ${c.from} → ${c.to}: ${verb} ${c.migrated}, terminal ${c.terminal} (migrated on read), refused ${c.refused}`);
        }
        for (const x of r.refused) ctx.io.out(`refused: ${x.error.message}`);
        if (r.refused.length > 0) ctx.io.out(`${r.refused.length} entit${r.refused.length === 1 ? 'y' : 'ies'} left as stored: register a snapshot migration for ${r.refused.length === 1 ? 'its' : 'their'} version in machines/migrations/`);
      }
      return r.refused.length > 0 ? EXIT.refused : EXIT.ok;
    }, { migrate: false, existing: true, live: 'read-write' });
  },
};
