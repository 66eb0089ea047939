import type { OptionsConfig } from './command.js';
import type { CommandInfo } from './command-registry.js';

/** The options every command accepts, parsed by the dispatcher (docs/design/plan.md "Global options"). */
export const GLOBAL_OPTIONS = {
  db: { type: 'string' },
  'state-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

const GLOBAL_HELP: readonly [string, string][] = [
  ['--db URL', 'PostgreSQL connection (default: DATABASE_URL, else embedded PGlite under --state-dir)'],
  ['--state-dir DIR', 'where local state lives (default: .state)'],
  ['--json', 'machine-readable output where the command has one'],
  ['-h, --help', 'help for the program or a command'],
];

function columns(rows: readonly (readonly [string, string])[], indent = '  '): string {
  const width = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${indent}${a.padEnd(width)}  ${b}`.trimEnd()).join('\n');
}

function optionSynopsis(name: string, spec: OptionsConfig[string]): string {
  const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}`;
  return spec.type === 'string' ? `${flag} VALUE` : flag;
}

/** Help texts of the `gantry` program: the command list and one command's help. */
export const helpText = {
  /** `gantry --help`: usage, the commands with their summaries, the global options. */
  program(commands: readonly Pick<CommandInfo, 'name' | 'summary'>[]): string {
    return [
      'Gantry: a durable, statechart-driven orchestration engine.',
      '',
      'usage: gantry [global options] COMMAND [arguments] [options]',
      '',
      'commands:',
      columns(commands.map((c) => [c.name, c.summary])),
      '',
      'global options:',
      columns(GLOBAL_HELP),
      '',
      "Run 'gantry help COMMAND' for one command's help.",
      '',
    ].join('\n');
  },

  /** `gantry help COMMAND` or `gantry COMMAND --help`: synopsis, description, options. */
  command(command: CommandInfo): string {
    const own = Object.entries(command.options ?? {}).map(([n, s]) => [optionSynopsis(n, s), command.optionHelp?.[n] ?? ''] as const);
    return [
      `usage: gantry ${command.usage}`,
      '',
      command.summary,
      ...(command.description ? ['', command.description] : []),
      ...(own.length ? ['', 'options:', columns(own)] : []),
      '',
      'global options:',
      columns(GLOBAL_HELP),
      '',
    ].join('\n');
  },

  /** The short reminder printed under a usage error of `command` (null: no command was recognised). */
  usageHint(command: string | null): string {
    return command ? `Run 'gantry help ${command}' for its usage.` : "Run 'gantry --help' for the list of commands.";
  },
};
