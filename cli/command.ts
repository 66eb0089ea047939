import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

/** The option table node:util parseArgs takes. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts (docs/design/plan.md "Global options"); later issues read `db` and `stateDir`. */
export interface GlobalOptions {
  /** `--db URL`, else `DATABASE_URL`, else null (embedded PGlite under `stateDir`). */
  readonly db: string | null;
  /** `--state-dir DIR`, default `.state`. */
  readonly stateDir: string;
  /** `--json`: machine-readable output where the command has one. */
  readonly json: boolean;
}

/** Where a command writes: standard output for results, standard error for diagnostics. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Parsed option values of one invocation, as node:util parseArgs returns them. */
export type OptionValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

/** What a command receives: its positionals (command words removed), its own options, the global ones, and output. */
export interface CommandContext {
  readonly command: string;
  readonly positionals: readonly string[];
  readonly options: OptionValues;
  readonly global: GlobalOptions;
  readonly io: Output;
}

/**
 * One command of the `gantry` program. A file `cli/commands/<words-joined-by-dash>.ts` exporting
 * `<camelCaseWords>Command` (e.g. `db-migrate.ts` → `dbMigrateCommand`, the command `gantry db migrate`) is all a
 * new command needs: the dispatcher finds it by its file name and loads only the file of the command invoked.
 */
export interface Command {
  /** The command words, e.g. `machines` or `db migrate`; must match the file name. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Synopsis after `gantry`, e.g. `chart MACHINE [--format mermaid|json|svg]`. */
  readonly usage: string;
  /** Longer help shown by `gantry help COMMAND`. */
  readonly description?: string;
  /** The command's own options (global options are added by the dispatcher). */
  readonly options?: OptionsConfig;
  /** One line of help per own option, by option name. */
  readonly optionHelp?: Readonly<Record<string, string>>;
  /** Runs the command and returns its exit code (docs/design/plan.md); throws a `CliError` for usage errors and refusals. */
  run(ctx: CommandContext): Promise<number> | number;
}

/** The string value of option `name`, or `fallback` when absent; a repeated or boolean value is a usage error. */
export function stringOption(ctx: CommandContext, name: string, fallback: string | null = null): string | null {
  const v = ctx.options[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string') throw new UsageError(`option --${name} takes one value`, ctx.command);
  return v;
}

/** The positionals, exactly one per entry of `names` (used in the error message), or a usage error. */
export function positionalArgs(ctx: CommandContext, names: readonly string[]): string[] {
  if (ctx.positionals.length < names.length) throw new UsageError(`missing ${names.slice(ctx.positionals.length).join(' ')}`, ctx.command);
  if (ctx.positionals.length > names.length) throw new UsageError(`unexpected argument '${ctx.positionals[names.length]}'`, ctx.command);
  return [...ctx.positionals];
}

/** `--hours N` (default 24) as the moment N hours before now, for the reports of SSOT §7.3.2; a usage error otherwise. */
export function sinceHoursOption(ctx: CommandContext): Date {
  const h = stringOption(ctx, 'hours', '24')!;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(h)) throw new UsageError(`--hours must be a number, got '${h}'`, ctx.command);
  return new Date(Date.now() - Number(h) * 3_600_000);
}
