import { constants } from 'node:os';
import type { ProcessResult } from './run-process.js';

/** Exit code recorded for a process stopped at its deadline (as coreutils `timeout`). */
export const TIMEOUT_EXIT_CODE = 124;
/** Exit code recorded for a process stopped by an abort (as a shell's Ctrl-C: 128 + SIGINT). */
export const CANCELLED_EXIT_CODE = 130;
/** Exit code a shell gives for a command it cannot find; also used for argv spawn failures. */
export const NOT_FOUND_EXIT_CODE = 127;

/**
 * One integer for the audit log and the gate's exit-code column: the engine's timeout code
 * (SSOT §2.3) for a timed-out process, the cancel code for an aborted one,
 * `128 + n` for a process ended by signal n, else the process's own exit code.
 */
export function effectiveExitCode(result: Pick<ProcessResult, 'exitCode' | 'signal' | 'timedOut' | 'cancelled'>): number {
  if (result.timedOut) return TIMEOUT_EXIT_CODE;
  if (result.cancelled) return CANCELLED_EXIT_CODE;
  if (result.exitCode !== null) return result.exitCode;
  if (result.signal !== null) return 128 + (constants.signals[result.signal] ?? 0);
  return NOT_FOUND_EXIT_CODE;
}
