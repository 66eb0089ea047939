import { authenticateOperator, OperatorAuthError, requireCredentials } from '../ops/index.js';
import type { PersistedActors } from '../actors/index.js';
import type { DatabaseHandle } from '../persistence/index.js';
import type { CommandContext } from './command.js';
import { stringOption } from './command.js';
import { RefusedError } from './errors.js';
import { openDatabase, withActors } from './open-database.js';
import { explainNotFound } from './unknown-id.js';

/** An error class a command turns into a refusal (exit 1). */
type Refusal = abstract new (...args: never[]) => Error;

/** `--reason TEXT`, required by every manual override and playbook (SSOT §5.2); a refusal (exit 1) without it. */
export function requiredReason(ctx: CommandContext): string {
  const reason = stringOption(ctx, 'reason')?.trim();
  if (!reason) throw new RefusedError('manual override refused: --reason TEXT is required (nothing written)');
  return reason;
}

/**
 * Runs `fn` on the opened database as the operator named by `--operator`/`--token` (else `GANTRY_OPERATOR` /
 * `GANTRY_OPERATOR_TOKEN`), authenticated first (SSOT §5.2). Without an identity or token nothing is opened, let
 * alone created; an authentication failure, or an error of one of `refusals`, becomes a refusal (exit 1).
 */
export async function withOperator<T>(ctx: CommandContext, refusals: readonly Refusal[], fn: (handle: DatabaseHandle, operator: string) => Promise<T>): Promise<T> {
  const creds = { operator: stringOption(ctx, 'operator') ?? process.env['GANTRY_OPERATOR'] ?? null, token: stringOption(ctx, 'token') ?? process.env['GANTRY_OPERATOR_TOKEN'] ?? null };
  const refused = (err: unknown): boolean => err instanceof OperatorAuthError || refusals.some((r) => err instanceof r);
  try {
    requireCredentials(creds); // no identity, no database opened or created
  } catch (err) {
    if (refused(err)) throw new RefusedError((err as Error).message);
    throw err;
  }
  // No database: no operator, nothing to override. A directory a live run holds: through its socket, read-write.
  const handle = await openDatabase(ctx.global, { existing: true, live: 'read-write' });
  try {
    return await fn(handle, await authenticateOperator(handle.db, creds));
  } catch (err) {
    if (refused(err)) throw new RefusedError((err as Error).message);
    throw await explainNotFound(handle.db, err);
  } finally {
    await handle.close();
  }
}

/**
 * Runs `fn` with persisted actors, as the operator named by `--operator NAME` when one is given: then, like every
 * override, that operator's token (`--token` or `GANTRY_OPERATOR_TOKEN`) must authenticate it first (issue 11), or
 * the command is refused (exit 1) with nothing written — without a token nothing is even opened. Without
 * `--operator` `fn` gets null (no operator is recorded); that is refused on an embedded database a live process holds
 * (reached through its socket: read-only unless an operator authenticates).
 */
export async function withActorsAsOperator<T>(ctx: CommandContext, fn: (actors: PersistedActors, operator: string | null) => Promise<T>): Promise<T> {
  const name = stringOption(ctx, 'operator');
  if (name === null) {
    return withActors(
      ctx.global,
      (actors, handle) => {
        if (handle.live) throw new RefusedError(liveWriteRefusal(handle.live.pid));
        return fn(actors, null);
      },
      { live: 'read-only' },
    );
  }
  const creds = { operator: name, token: stringOption(ctx, 'token') ?? process.env['GANTRY_OPERATOR_TOKEN'] ?? null };
  try {
    requireCredentials(creds);
  } catch (err) {
    if (err instanceof OperatorAuthError) throw new RefusedError(`${err.message}: --operator needs that operator's token, as every override does (nothing written)`);
    throw err;
  }
  return withActors(ctx.global, async (actors, handle) => {
    let operator: string;
    try {
      operator = await authenticateOperator(handle.db, creds);
    } catch (err) {
      if (err instanceof OperatorAuthError) throw new RefusedError(`${err.message} (nothing written)`);
      throw err;
    }
    return fn(actors, operator);
  }, { live: 'read-write' });
}

/** Why a write without an operator is refused on a state directory a live process holds (issue 13: read-only by default). */
function liveWriteRefusal(pid: number): string {
  return `the state directory is held by the live process ${pid} (a gantry run …): its database is read-only from other processes unless the command names an operator — pass --operator NAME with its token (--token or GANTRY_OPERATOR_TOKEN) (nothing written)`;
}
