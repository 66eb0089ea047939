/** Base of every error the exec layer raises; `cause` carries the underlying system error when there is one. */
export class ExecError extends Error {
  override readonly name: string = 'ExecError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Why a process could not be started. */
export type SpawnFailureReason = 'program-not-found' | 'cwd-not-found' | 'permission-denied' | 'other';

/**
 * A process could not be started at all (no pid, nothing ran): the program is missing or not
 * executable, or the working directory does not exist. Only argv commands raise it; a string
 * command runs under `sh -c`, where a missing program is the shell's exit code 127.
 */
export class ProcessSpawnError extends ExecError {
  override readonly name = 'ProcessSpawnError';
  constructor(
    readonly program: string,
    readonly cwd: string,
    readonly reason: SpawnFailureReason,
    /** The system error code (`ENOENT`, `EACCES`, …), or null. */
    readonly code: string | null,
    options?: { cause?: unknown },
  ) {
    super(`cannot start ${JSON.stringify(program)} in ${cwd}: ${describe(reason, code)}`, options);
  }
}

/** The options given to `runProcess` are unusable (empty argv, negative timeout, …); nothing was started. */
export class InvalidProcessOptionsError extends ExecError {
  override readonly name = 'InvalidProcessOptionsError';
  constructor(readonly option: string, readonly problem: string) {
    super(`runProcess option ${option}: ${problem}`);
  }
}

/** Signalling a process group failed for a reason other than the group being gone already. */
export class ProcessKillError extends ExecError {
  override readonly name = 'ProcessKillError';
  constructor(readonly pgid: number, readonly signal: NodeJS.Signals, options?: { cause?: unknown }) {
    super(`cannot send ${signal} to process group ${pgid}`, options);
  }
}

function describe(reason: SpawnFailureReason, code: string | null): string {
  switch (reason) {
    case 'program-not-found':
      return 'program not found';
    case 'cwd-not-found':
      return 'working directory does not exist';
    case 'permission-denied':
      return 'permission denied';
    case 'other':
      return `spawn failed (${code ?? 'unknown error'})`;
  }
}

/** Processes of an attempt (found by their {@link ATTEMPT_ENV} tag) were still alive after every round of SIGKILL. */
export class ProcessReapError extends ExecError {
  override readonly name = 'ProcessReapError';
  constructor(readonly selector: string, readonly survivors: readonly number[], options?: { cause?: unknown }) {
    super(`processes tagged ${selector} still alive after repeated SIGKILL: ${survivors.join(', ')}`, options);
  }
}

/** The sandbox cannot be used: `bwrap` is missing or does not work on this machine. */
export class SandboxUnavailableError extends ExecError {
  override readonly name = 'SandboxUnavailableError';
  constructor(readonly program: string, readonly reason: string) {
    super(`the task sandbox (bubblewrap) is unavailable: ${reason}; install it with \`apt-get install bubblewrap\` (Debian/Ubuntu) or \`dnf install bubblewrap\`, or set \`sandbox: none\` in the plan`);
  }
}

/** Name of the environment variable that tags every process of one attempt (see `reapTagged`). */
export const ATTEMPT_ENV = 'GANTRY_ATTEMPT_TAG';
