import { OperatorAlreadyRevokedError, revokeOperator, UnknownOperatorError } from '../../ops/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT, RefusedError, UsageError } from '../errors.js';
import { openDatabase } from '../open-database.js';

/** `gantry operator revoke NAME`: withdraws an operator's authority (SSOT §5.2); its token is refused from then on. */
export const operatorRevokeCommand: Command = {
  name: 'operator revoke',
  summary: "revoke an operator: its overrides and playbooks are refused from now on (exit 1 if already revoked)",
  usage: 'operator revoke NAME [--json]',
  description: 'Sets the operator\'s revoked_at. Unknown operator: exit 2; already revoked: exit 1; nothing written in either case.',
  async run(ctx) {
    const [name] = positionalArgs(ctx, ['NAME']) as [string];
    const handle = await openDatabase(ctx.global);
    let at: Date;
    try {
      at = await revokeOperator(handle.db, name);
    } catch (err) {
      if (err instanceof UnknownOperatorError) throw new UsageError(err.message, ctx.command, { cause: err });
      if (err instanceof OperatorAlreadyRevokedError) throw new RefusedError(err.message);
      throw err;
    } finally {
      await handle.close();
    }
    if (ctx.global.json) ctx.io.out(JSON.stringify({ operator: name, revoked_at: at.toISOString() }));
    else ctx.io.out(`operator ${name} revoked at ${at.toISOString()}`);
    return EXIT.ok;
  },
};
