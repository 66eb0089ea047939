import { readdirSync, readFileSync } from 'node:fs';
import type { Command } from './command.js';
import { BrokenCommandError, UnknownCommandError } from './errors.js';

/**
 * The folder whose files are the commands: `machines.ts` is `gantry machines`, `db-migrate.ts` is `gantry db migrate`,
 * `playbook-reset-breaker.ts` is `gantry playbook reset-breaker`.
 */
const COMMANDS_DIR = new URL('./commands/', import.meta.url);
const SOURCE = /^([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)\.(?:ts|js)$/;

/** Command name → its file name, read from the folder once. */
let files: Map<string, string> | null = null;
function commandFiles(): Map<string, string> {
  if (files) return files;
  files = new Map();
  for (const f of readdirSync(COMMANDS_DIR).sort()) {
    if (f.endsWith('.d.ts') || f.endsWith('.test.ts')) continue;
    const m = SOURCE.exec(f);
    // The first dash separates the command words; later dashes stay in the second word (`playbook recover-workstream`).
    const name = m ? m[1]!.replace('-', ' ') : null;
    if (name !== null && !files.has(name)) files.set(name, f);
  }
  return files;
}

/** What help and option parsing need of a command: everything but its `run`. */
export type CommandInfo = Omit<Command, 'run'>;

/**
 * The manifest `npm run build` writes beside the compiled registry (scripts/build.js): every command's info, so that
 * help and option parsing import no command file (and nothing of the engine, PGlite or kysely behind them). Absent
 * beside the TypeScript sources, where the command files are imported instead and can never be stale.
 */
const MANIFEST = new URL('./command-manifest.json', import.meta.url);

/** Command name → its info from the manifest, read once; null when there is no manifest. */
let manifest: Map<string, CommandInfo> | null | undefined;
function builtManifest(): Map<string, CommandInfo> | null {
  if (manifest !== undefined) return manifest;
  let text: string;
  try {
    text = readFileSync(MANIFEST, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return (manifest = null);
  }
  return (manifest = new Map((JSON.parse(text) as CommandInfo[]).map((c) => [c.name, c])));
}

/** `db migrate` → `dbMigrateCommand`: the export each command file must provide. */
function exportNameOf(name: string): string {
  const words = name.split(/[ -]/);
  return words[0] + words.slice(1).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('') + 'Command';
}

function isCommand(value: unknown): value is Command {
  return typeof value === 'object' && value !== null && typeof (value as Command).name === 'string' && typeof (value as Command).run === 'function';
}

/**
 * The registry of `gantry` commands, discovered from the files of `cli/commands/` so that adding a command is adding
 * a file. Only the invoked command's file is imported (startup stays fast); help reads the build's manifest (or,
 * from the sources, imports the command files).
 */
export const commandRegistry = {
  /** Every command name, sorted. */
  names(): string[] {
    return [...commandFiles().keys()].sort();
  },

  /** The command named by the leading words of `words` (two-word commands first), with how many words it used; null if none. */
  resolve(words: readonly string[]): { name: string; consumed: number } | null {
    const known = commandFiles();
    if (words.length >= 2 && known.has(`${words[0]} ${words[1]}`)) return { name: `${words[0]} ${words[1]}`, consumed: 2 };
    if (words.length >= 1 && known.has(words[0]!)) return { name: words[0]!, consumed: 1 };
    return null;
  },

  /** Imports one command's file and returns its command; `UnknownCommandError` when there is none. */
  async load(name: string): Promise<Command> {
    const file = commandFiles().get(name);
    if (!file) throw new UnknownCommandError(name, this.names());
    const mod = (await import(new URL(file, COMMANDS_DIR).href)) as Record<string, unknown>;
    const expected = exportNameOf(name);
    const command = mod[expected];
    if (!isCommand(command) || command.name !== name) throw new BrokenCommandError(`cli/commands/${file}`, expected);
    return command;
  },

  /** Every command, loaded, in name order (the build writes the manifest from it). */
  async loadAll(): Promise<Command[]> {
    return Promise.all(this.names().map((n) => this.load(n)));
  },

  /** One command's info for help and option parsing: from the build's manifest, else by loading its file. */
  async info(name: string): Promise<CommandInfo> {
    return builtManifest()?.get(name) ?? this.load(name);
  },

  /** Every command's info, in name order (for the command list). */
  async infoAll(): Promise<CommandInfo[]> {
    return Promise.all(this.names().map((n) => this.info(n)));
  },
};
