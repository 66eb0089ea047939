import { join } from 'node:path';
import { applyOverride, authenticateOperator, isOverrideAction, OperatorAuthError, OverrideRefusedError, OVERRIDE_ACTIONS } from '../../ops/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, RefusedError, UsageError } from '../errors.js';
import { openDatabase } from '../open-database.js';

/** `gantry override ACTION ID --reason TEXT`: an authorised, audited manual override (SSOT §5.2). */
export const overrideCommand: Command = {
  name: 'override',
  summary: 'manual override of SSOT §5.2 by an authorised operator (exit 1 and nothing written without authority)',
  usage: `override ${OVERRIDE_ACTIONS.join('|')} ID --reason TEXT [--clear-retry-count] [--operator NAME --token T]`,
  description:
    'Forces an entity into the override\'s target state, bypassing guards but not table constraints, with an audit row ' +
    '(operator, reason, trigger = ACTION) and a manual_override event. A reset of a terminal task creates a new task ' +
    'with retry_of. Authority: --operator/--token or GANTRY_OPERATOR/GANTRY_OPERATOR_TOKEN (see gantry operator add).',
  options: { reason: { type: 'string' }, operator: { type: 'string' }, token: { type: 'string' }, 'clear-retry-count': { type: 'boolean' } },
  optionHelp: {
    reason: 'why (required; recorded in the audit)',
    operator: 'operator name (default GANTRY_OPERATOR)',
    token: 'operator token (default GANTRY_OPERATOR_TOKEN)',
    'clear-retry-count': 'reset-task: start again at retry count 0',
  },
  async run(ctx) {
    const [action, id] = positionalArgs(ctx, ['ACTION', 'ID']) as [string, string];
    if (!isOverrideAction(action)) throw new UsageError(`unknown override '${action}' (overrides: ${OVERRIDE_ACTIONS.join(', ')})`, ctx.command);
    const reason = stringOption(ctx, 'reason')?.trim();
    if (!reason) throw new RefusedError('manual override refused: --reason TEXT is required (nothing written)');
    const clear = ctx.options['clear-retry-count'] === true;
    if (clear && action !== 'reset-task') throw new UsageError('--clear-retry-count applies to reset-task only', ctx.command);
    const handle = await openDatabase(ctx.global);
    try {
      const operator = await authenticateOperator(handle.db, {
        operator: stringOption(ctx, 'operator') ?? process.env['GANTRY_OPERATOR'] ?? null,
        token: stringOption(ctx, 'token') ?? process.env['GANTRY_OPERATOR_TOKEN'] ?? null,
      });
      const r = await applyOverride(handle.db, { action, id, operator, reason, clearRetryCount: clear, transitionLog: join(ctx.global.stateDir, 'transitions.jsonl') });
      if (ctx.global.json) ctx.io.out(JSON.stringify({ action, entity_type: r.entityType, id: r.id, from_state: r.fromState, to_state: r.toState, version: r.version, created_id: r.createdId, operator }));
      else if (r.createdId) ctx.io.out(`${action}: ${r.entityType} ${r.id} is ${r.fromState} (left as it was); new ${r.entityType} ${r.createdId} created with retry_of ${r.id}`);
      else ctx.io.out(`${action}: ${r.entityType} ${r.id} ${r.fromState} → ${r.toState} (version ${r.version}) by ${operator}`);
      return EXIT.ok;
    } catch (err) {
      if (err instanceof OperatorAuthError || err instanceof OverrideRefusedError) throw new RefusedError(err.message);
      throw err;
    } finally {
      await handle.close();
    }
  },
};
