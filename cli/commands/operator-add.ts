import { addOperator, OperatorAuthError, OperatorExistsError } from '../../ops/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT, RefusedError } from '../errors.js';
import { openDatabase } from '../open-database.js';

/** `gantry operator add NAME`: registers an operator for manual overrides and prints its token once (only a hash is kept). */
export const operatorAddCommand: Command = {
  name: 'operator add',
  summary: 'register an operator for manual overrides; prints its token once (only its scrypt hash is stored)',
  usage: 'operator add NAME [--json]',
  async run(ctx) {
    const [name] = positionalArgs(ctx, ['NAME']) as [string];
    const handle = await openDatabase(ctx.global);
    let token: string;
    try {
      token = await addOperator(handle.db, name);
    } catch (err) {
      if (err instanceof OperatorExistsError || err instanceof OperatorAuthError) throw new RefusedError(err.message);
      throw err;
    } finally {
      await handle.close();
    }
    if (ctx.global.json) ctx.io.out(JSON.stringify({ operator: name, token }));
    else {
      ctx.io.out(`operator ${name} added; its token (shown once, store it now):`);
      ctx.io.out(token);
    }
    return EXIT.ok;
  },
};
