import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, RefusedError, UsageError } from '../errors.js';
import { jsonObjectOption } from '../open-database.js';
import { withActorsAsOperator } from '../with-operator.js';
import { printEntity } from '../print-entity.js';

/** `gantry entity send TYPE ID EVENT [--data JSON] [--expect-version N]`: one audited transition from the shell. */
export const entitySendCommand: Command = {
  name: 'entity send',
  summary: 'send an event to a persisted entity (exit 1 if refused or on a version conflict)',
  usage: 'entity send TYPE ID EVENT [--data JSON] [--expect-version N] [--operator NAME --token T] [--reason TEXT]',
  options: { data: { type: 'string' }, 'expect-version': { type: 'string' }, operator: { type: 'string' }, token: { type: 'string' }, reason: { type: 'string' } },
  optionHelp: {
    data: 'event payload as a JSON object (its `type` is EVENT)',
    'expect-version': 'fail with a lock conflict unless the entity is at this version',
    operator: 'who sends it (recorded in the audit; needs that operator\'s token)',
    token: 'the operator\'s token (default GANTRY_OPERATOR_TOKEN)',
    reason: 'why (recorded in the audit)',
  },
  async run(ctx) {
    const [type, id, event] = positionalArgs(ctx, ['TYPE', 'ID', 'EVENT']) as [string, string, string];
    const data = jsonObjectOption(stringOption(ctx, 'data'), 'data', ctx.command);
    const ev = stringOption(ctx, 'expect-version');
    let expectedVersion: number | undefined;
    if (ev !== null) {
      if (!/^[1-9][0-9]*$/.test(ev)) throw new UsageError(`--expect-version must be a positive integer, got '${ev}'`, ctx.command);
      expectedVersion = Number(ev);
    }
    const reason = stringOption(ctx, 'reason');
    const view = await withActorsAsOperator(ctx, async (actors, operator) => {
      // An event that names an operator (a manual gate's `approved` / `rejected`, EXT-6) is that operator's own act:
      // only they, authenticated by their token, may send it.
      if ('operator' in data && data['operator'] !== operator) {
        throw new RefusedError(`the event names operator ${JSON.stringify(data['operator'])}: only that operator may send it, authenticated with --operator and their token (nothing written)`);
      }
      await actors.sendUntrusted(type, id, { ...data, type: event }, { expectedVersion, operator, reason });
      return actors.loadUntrusted(type, id);
    });
    printEntity(ctx, view);
    return EXIT.ok;
  },
};
