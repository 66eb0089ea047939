import { migrateToLatest } from '../../persistence/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { openDatabase } from '../open-database.js';

/** `gantry db migrate`: applies pending schema migrations; running it again is a no-op. */
export const dbMigrateCommand: Command = {
  name: 'db migrate',
  summary: 'apply pending schema migrations (idempotent, safe to run concurrently)',
  usage: 'db migrate [--db URL | --state-dir DIR] [--json]',
  async run(ctx) {
    positionalArgs(ctx, []);
    const handle = await openDatabase(ctx.global, { migrate: false });
    try {
      const result = await migrateToLatest(handle.db);
      if (ctx.global.json) ctx.io.out(JSON.stringify({ target: handle.target, ...result }));
      else {
        const applied = result.applied;
        ctx.io.out(applied.length ? `applied ${applied.join(', ')} on ${handle.target}` : `schema up to date on ${handle.target}`);
      }
      return EXIT.ok;
    } finally {
      await handle.close();
    }
  },
};
