import { ProcessKillError } from './errors.js';

/**
 * Sends `signal` to every process of the group led by `pgid` (`kill(-pgid, signal)`).
 * Returns false when the group no longer exists (`ESRCH`: every member has exited, which is the
 * outcome the caller wants, not a failure); any other failure is a `ProcessKillError`.
 */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) {
    // kill(0) and kill(-1) would signal our own group or every process we may signal.
    throw new ProcessKillError(pgid, signal, { cause: new RangeError(`refusing to signal process group ${pgid}`) });
  }
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw new ProcessKillError(pgid, signal, { cause: error });
  }
}
