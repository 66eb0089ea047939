import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT } from '../errors.js';
import { jsonObjectOption } from '../open-database.js';
import { withActorsAsOperator } from '../with-operator.js';
import { printEntity } from '../print-entity.js';

/** `gantry entity create TYPE ID [--input JSON]`: a persisted actor created from the shell, as a service would. */
export const entityCreateCommand: Command = {
  name: 'entity create',
  summary: 'create a persisted entity of a machine in its initial state',
  usage: 'entity create TYPE ID [--input JSON] [--links JSON] [--operator NAME --token T] [--reason TEXT]',
  description: 'The input is validated against the machine\'s input schema; `now` defaults to the current time.\nLinks name parent rows: {"run_id":…,"workstream_id":…,"task_id":…,"patch_id":…,"phase_id":…}.',
  options: { input: { type: 'string' }, links: { type: 'string' }, operator: { type: 'string' }, token: { type: 'string' }, reason: { type: 'string' } },
  optionHelp: { input: 'machine input as a JSON object', links: 'parent links as a JSON object', operator: 'who creates it (needs that operator\'s token)', token: 'the operator\'s token (default GANTRY_OPERATOR_TOKEN)', reason: 'why' },
  async run(ctx) {
    const [type, id] = positionalArgs(ctx, ['TYPE', 'ID']) as [string, string];
    const input = jsonObjectOption(stringOption(ctx, 'input'), 'input', ctx.command);
    const links = jsonObjectOption(stringOption(ctx, 'links'), 'links', ctx.command);
    const reason = stringOption(ctx, 'reason') ?? undefined;
    const view = await withActorsAsOperator(ctx, (actors, operator) => actors.createUntrusted(type, id, input, { links, operator: operator ?? undefined, reason }));
    printEntity(ctx, view);
    return EXIT.ok;
  },
};
