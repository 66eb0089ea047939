/** Exit codes of docs/design/plan.md: 0 success; 1 refused or did not succeed; 2 bad input (usage, plan, unknown entity). */
export const EXIT = { ok: 0, refused: 1, badInput: 2 } as const;
/** One of the exit codes of docs/design/plan.md. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Base of every error the command line reports itself; carries the exit code it ends the process with. */
export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** Wrong arguments or options for a command (exit 2). */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT.badInput;
  constructor(
    readonly detail: string,
    readonly command: string | null = null,
    options?: ErrorOptions,
  ) {
    super(command ? `${command}: ${detail}` : detail, options);
  }
}

/** A command word that no file under `cli/commands/` provides (exit 2). */
export class UnknownCommandError extends CliError {
  override readonly name = 'UnknownCommandError';
  readonly exitCode = EXIT.badInput;
  constructor(
    readonly command: string,
    readonly known: readonly string[],
  ) {
    super(`unknown command '${command}' (commands: ${known.join(', ')})`);
  }
}

/** An output format a command does not produce (exit 2). */
export class UnknownFormatError extends CliError {
  override readonly name = 'UnknownFormatError';
  readonly exitCode = EXIT.badInput;
  constructor(
    readonly format: string,
    readonly known: readonly string[],
  ) {
    super(`unknown format '${format}' (formats: ${known.join(', ')})`);
  }
}

/** A command file that does not export the command object its name calls for (a bug in the checkout, exit 2). */
export class BrokenCommandError extends CliError {
  override readonly name = 'BrokenCommandError';
  readonly exitCode = EXIT.badInput;
  constructor(
    readonly file: string,
    readonly expectedExport: string,
  ) {
    super(`command file ${file} does not export '${expectedExport}'`);
  }
}

/** The operation was refused (exit 1): nothing was written. */
export class RefusedError extends CliError {
  override readonly name = 'RefusedError';
  readonly exitCode = EXIT.refused;
  constructor(readonly detail: string) {
    super(detail);
  }
}

/** A command that reads state found no Gantry database where it looked (exit 1); the message says where and how to point elsewhere. */
export class NoDatabaseError extends CliError {
  override readonly name = 'NoDatabaseError';
  readonly exitCode = EXIT.refused;
  constructor(
    /** Where it looked: the PGlite data directory or the PostgreSQL URL (password hidden). */
    readonly looked: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An entity id that does not exist (exit 2, as docs/design/plan.md's unknown entity); the message names the closest existing ids. */
export class UnknownIdError extends CliError {
  override readonly name = 'UnknownIdError';
  readonly exitCode = EXIT.badInput;
  constructor(
    readonly entityType: string,
    readonly id: string,
    /** The closest existing ids, closest first. */
    readonly candidates: readonly string[],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Exit codes of the library's typed errors, by `name` (so that the dispatcher need not load the library to map them):
 * an unknown entity type or an invalid payload is bad input, an invalid transition is a refusal.
 */
const LIBRARY_EXIT_CODES: Readonly<Record<string, ExitCode>> = {
  UnknownEntityTypeError: EXIT.badInput,
  InvalidPayloadError: EXIT.badInput,
  InvalidTransitionError: EXIT.refused,
  InvalidEntityIdError: EXIT.badInput,
  EntityNotFoundError: EXIT.badInput,
  UnknownEntityTableError: EXIT.badInput,
  EntityExistsError: EXIT.refused,
  OptimisticLockError: EXIT.refused,
  TimeWentBackwardsError: EXIT.refused,
  ConstraintViolationError: EXIT.refused,
  DatabaseUnavailableError: EXIT.refused,
  DatabaseNotFoundError: EXIT.refused,
  MigrationError: EXIT.refused,
  UnknownMigrationError: EXIT.badInput,
  SnapshotVersionError: EXIT.refused,
  InvalidMigratedSnapshotError: EXIT.refused,
  SnapshotVersionsRefusedError: EXIT.refused,
};

/** True for errors that are a normal outcome (ours and the library's typed ones): reported by message, no stack trace. */
export function isExpectedError(err: unknown): err is Error {
  return err instanceof CliError || (err instanceof Error && err.name in LIBRARY_EXIT_CODES);
}

/** The exit code an error ends the process with: ours carry one; the library's typed errors map per docs/design/plan.md; anything else is 1. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof Error) return LIBRARY_EXIT_CODES[err.name] ?? EXIT.refused;
  return EXIT.refused;
}
