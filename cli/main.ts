import { parseArgs } from 'node:util';
import type { CommandContext, GlobalOptions, OptionValues, Output } from './command.js';
import { commandRegistry, type CommandInfo } from './command-registry.js';
import { EXIT, exitCodeOf, isExpectedError, UnknownCommandError, UsageError } from './errors.js';
import { GLOBAL_OPTIONS, helpText } from './help-text.js';

/** Output to the process's standard streams. */
const processOutput: Output = {
  out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

// A reader that stops early (`gantry history … | head`) closes the pipe: that is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/** Global options that take a value: their value is not a command word. */
const VALUED = new Set(Object.entries(GLOBAL_OPTIONS).flatMap(([n, s]) => (s.type === 'string' ? [`--${n}`] : [])));

/** Indexes in `argv` of the leading non-option words (where the command name is), skipping global options and their values. */
function leadingWords(argv: readonly string[]): number[] {
  const at: number[] = [];
  for (let i = 0; i < argv.length && at.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (at.length > 0) break;
      if (VALUED.has(a)) i++;
      continue;
    }
    at.push(i);
  }
  return at;
}

function globalsOf(values: OptionValues): GlobalOptions {
  const db = typeof values.db === 'string' ? values.db : (process.env.DATABASE_URL ?? null);
  const stateDir = typeof values['state-dir'] === 'string' ? values['state-dir'] : '.state';
  return { db: db === '' ? null : db, stateDir, json: values.json === true };
}

function parse(argv: string[], command: CommandInfo | null): { values: OptionValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...command?.options }, allowPositionals: true, strict: true });
    return { values: values as OptionValues, positionals };
  } catch (err) {
    // node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown options and missing values.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((err as Error).message, command?.name ?? null);
    throw err;
  }
}

async function dispatch(argv: readonly string[], io: Output): Promise<number> {
  const words = leadingWords(argv);
  const resolved = commandRegistry.resolve(words.map((i) => argv[i]!));
  if (!resolved) {
    const { values } = parse([...argv], null);
    if (words.length > 0) throw new UnknownCommandError(argv[words[0]!]!, commandRegistry.names());
    // Bare `gantry` is a usage error: the list goes to standard error then.
    const text = helpText.program(await commandRegistry.infoAll());
    if (values.help !== true) {
      io.err(text);
      return EXIT.badInput;
    }
    io.out(text);
    return EXIT.ok;
  }
  // Options and help come from the command's info; its file (and what it imports) is loaded only to run it.
  const info = await commandRegistry.info(resolved.name);
  const used = new Set(words.slice(0, resolved.consumed));
  const { values, positionals } = parse(
    argv.filter((_, i) => !used.has(i)),
    info,
  );
  if (values.help === true) {
    io.out(helpText.command(info));
    return EXIT.ok;
  }
  const command = await commandRegistry.load(resolved.name);
  const ctx: CommandContext = { command: command.name, positionals, options: values, global: globalsOf(values), io };
  return command.run(ctx);
}

/**
 * The `gantry` program: finds the command named by the leading words of `argv` (a file of `cli/commands/`), parses
 * its options together with the global ones, runs it and returns the exit code of docs/design/plan.md (0 ok, 1 refused or not
 * successful, 2 bad input). Errors are reported on standard error as `gantry: message`.
 */
export async function main(argv: readonly string[], io: Output = processOutput): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    io.err(`gantry: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof UsageError) io.err(helpText.usageHint(err.command));
    // An unexpected error is a bug: show where it came from.
    if (!isExpectedError(err) && err instanceof Error && err.stack) io.err(err.stack);
    return exitCodeOf(err);
  }
}
