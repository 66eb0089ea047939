import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseUnavailableError, StateDirInUseError } from './errors.js';

/** Lock files this process holds (a second open in the same process is refused too). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Takes `<stateDir>/pgdata.lock` (the holder's pid) so that one PGlite data directory is never
 * opened twice at once — PGlite has no lock of its own and two writers corrupt it. A lock left by
 * a dead process (crash, SIGKILL) is taken over. Returns the release function; a live holder is a `StateDirInUseError`.
 */
export function acquireStateDirLock(stateDir: string, dataDir: string): () => void {
  const path = join(stateDir, 'pgdata.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!held.has(path) && tryCreate(path)) {
      held.add(path);
      return () => {
        held.delete(path);
        if (readPid(path) === process.pid) unlinkSync(path);
      };
    }
    const pid = readPid(path);
    const inUse = held.has(path) || (pid !== null && pid !== process.pid && alive(pid));
    if (inUse) {
      throw new StateDirInUseError(dataDir, held.has(path) ? null : pid, path);
    }
    // Stale: its holder is gone. Remove it unless someone replaced it meanwhile, then retry.
    if (readPid(path) === pid) {
      try {
        unlinkSync(path);
      } catch {
        // Another opener removed it first.
      }
    }
  }
  throw new DatabaseUnavailableError('pglite', dataDir, { cause: new Error(`could not take the lock file ${path}`) });
}
