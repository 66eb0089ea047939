import type { Command } from '../command.js';
import { commandRegistry } from '../command-registry.js';
import { EXIT, UnknownCommandError, UsageError } from '../errors.js';
import { helpText } from '../help-text.js';

/** `gantry help [COMMAND]`: the list of commands, or one command's help. */
export const helpCommand: Command = {
  name: 'help',
  summary: 'list the commands, or show one command’s help',
  usage: 'help [COMMAND]',
  description: 'Without COMMAND, lists every command. COMMAND may be two words (e.g. `gantry help db migrate`).',
  async run(ctx) {
    if (ctx.positionals.length === 0) {
      ctx.io.out(helpText.program(await commandRegistry.infoAll()));
      return EXIT.ok;
    }
    const resolved = commandRegistry.resolve(ctx.positionals);
    if (!resolved) throw new UnknownCommandError(ctx.positionals.join(' '), commandRegistry.names());
    if (resolved.consumed < ctx.positionals.length) throw new UsageError(`unexpected argument '${ctx.positionals[resolved.consumed]}'`, ctx.command);
    ctx.io.out(helpText.command(await commandRegistry.info(resolved.name)));
    return EXIT.ok;
  },
};
