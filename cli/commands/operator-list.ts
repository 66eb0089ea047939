import { listOperators } from '../../ops/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { openDatabase } from '../open-database.js';

/** `gantry operator list [--json]`: the registered operators, active or revoked (never their tokens). */
export const operatorListCommand: Command = {
  name: 'operator list',
  summary: 'registered operators with their creation and revocation times',
  usage: 'operator list [--json]',
  async run(ctx) {
    positionalArgs(ctx, []);
    const handle = await openDatabase(ctx.global);
    const ops = await listOperators(handle.db).finally(() => handle.close());
    if (ctx.global.json) {
      ctx.io.out(JSON.stringify({ operators: ops.map((o) => ({ name: o.name, created_at: o.createdAt.toISOString(), revoked_at: o.revokedAt?.toISOString() ?? null, active: o.revokedAt === null })) }));
    } else if (ops.length === 0) ctx.io.out('no operators (add one with gantry operator add NAME)');
    else for (const o of ops) ctx.io.out(`${o.name.padEnd(24)} added ${o.createdAt.toISOString()}  ${o.revokedAt ? `revoked ${o.revokedAt.toISOString()}` : 'active'}`);
    return EXIT.ok;
  },
};
