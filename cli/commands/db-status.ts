import { migrationStatus } from '../../persistence/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { withDatabase } from '../open-database.js';

/** `gantry db status`: every known migration and whether it is applied; exit 1 when any is pending. */
export const dbStatusCommand: Command = {
  name: 'db status',
  summary: 'list schema migrations and whether each is applied (exit 1 if any is pending)',
  usage: 'db status [--db URL | --state-dir DIR] [--json]',
  async run(ctx) {
    positionalArgs(ctx, []);
    return withDatabase(ctx.global, async (handle) => {
      const status = await migrationStatus(handle.db);
      const pending = status.filter((m) => m.executedAt === null);
      if (ctx.global.json) ctx.io.out(JSON.stringify({ target: handle.target, migrations: status }));
      else {
        ctx.io.out(`database: ${handle.target}`);
        for (const m of status) ctx.io.out(`  ${m.executedAt ? 'applied' : 'pending'}  ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : ''}`);
        ctx.io.out(pending.length ? `${pending.length} pending: run 'gantry db migrate'` : 'schema up to date');
      }
      return pending.length ? EXIT.refused : EXIT.ok;
    }, { migrate: false });
  },
};
