import { GitError } from '../git/index.js';

/**
 * Why a ledger step failed on bad input, or null when `err` is not such a failure (a database error, a bug: those
 * still stop the run). Bad input is what a task's change can provoke in git or the file system: any `GitError` (a
 * path git refuses, a patch git cannot apply, a timeout, a worktree whose metadata the task changed, unrelated
 * history) and any Node system error (`ENOENT` of a missing `.git`, `EACCES`, `ENAMETOOLONG`, `EISDIR`, …). Such a
 * failure is the task's or patch's, with this reason; it never ends the engine.
 */
export function ledgerStepError(err: unknown): string | null {
  if (err instanceof GitError) return err.message;
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string' && typeof (err as NodeJS.ErrnoException).code === 'string') {
    return `${(err as NodeJS.ErrnoException).code}: ${err.message}`;
  }
  if (err instanceof RangeError && /buffer|string length/i.test(err.message)) return `too large: ${err.message}`;
  return null;
}

/** {@link ledgerStepError}, rethrowing what is not bad input. */
export function badInputReason(err: unknown): string {
  const reason = ledgerStepError(err);
  if (reason === null) throw err;
  return reason;
}
