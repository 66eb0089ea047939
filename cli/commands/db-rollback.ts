import { migrationStatus, rollbackMigrations } from '../../persistence/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT } from '../errors.js';
import { withDatabase } from '../open-database.js';

/** `gantry db rollback [--to NAME]`: undoes schema migrations with their down(), the last one by default. */
export const dbRollbackCommand: Command = {
  name: 'db rollback',
  summary: 'undo schema migrations: the last one, or every one applied after --to NAME',
  usage: 'db rollback [--to NAME] [--db URL | --state-dir DIR] [--json]',
  description:
    'Runs the down() of applied schema migrations, newest first, in one transaction. Without --to, undoes the last ' +
    'applied migration; with --to NAME, every migration applied after NAME (NAME stays applied). An unknown NAME is ' +
    "refused with the list of applied migrations (exit 2). Back the database up first: a down() drops what its up() " +
    "added, data included. 'gantry db migrate' applies them again; other commands migrate on start.",
  options: { to: { type: 'string' } },
  optionHelp: { to: 'keep NAME applied and undo every migration applied after it (default: undo the last one)' },
  async run(ctx) {
    positionalArgs(ctx, []);
    const to = stringOption(ctx, 'to');
    return withDatabase(ctx.global, async (handle) => {
      const { undone } = await rollbackMigrations(handle.db, to === null ? {} : { to });
      const applied = (await migrationStatus(handle.db)).filter((m) => m.executedAt !== null).map((m) => m.name);
      if (ctx.global.json) ctx.io.out(JSON.stringify({ target: handle.target, undone, applied }));
      else {
        ctx.io.out(undone.length ? `undid ${undone.join(', ')} on ${handle.target}` : `nothing to undo on ${handle.target}`);
        ctx.io.out(`applied now: ${applied.length ? applied[applied.length - 1] : 'none'} (${applied.length} of the migrations)`);
      }
      return EXIT.ok;
    }, { migrate: false, existing: true, live: 'read-write' });
  },
};
