import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { withActors } from '../open-database.js';
import { printEntity } from '../print-entity.js';

/** `gantry entity show TYPE ID`: an entity's state, version and context. */
export const entityShowCommand: Command = {
  name: 'entity show',
  summary: 'show a persisted entity: state, version, machine version, context',
  usage: 'entity show TYPE ID [--json]',
  async run(ctx) {
    const [type, id] = positionalArgs(ctx, ['TYPE', 'ID']) as [string, string];
    printEntity(ctx, await withActors(ctx.global, (actors) => actors.loadUntrusted(type, id), { existing: true }));
    return EXIT.ok;
  },
};
