import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Whether `pid` is a live process. `process.kill(pid, 0)` first; a process that still answers is
 * then read in /proc, because on this machine PID 1 does not reap orphans: a killed grandchild
 * stays a zombie (state Z) and `kill(pid, 0)` keeps succeeding on it.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
  return state !== 'Z' && state !== 'X';
}

/** Polls until `pid` is gone (a SIGKILL is delivered asynchronously); false if it still lives after `withinMs`. */
export async function waitUntilGone(pid: number, withinMs = 3000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** The first integer printed on its own line of `text` (a pid echoed by a test shell). */
export function firstPid(text: string): number {
  const match = /^(\d+)$/m.exec(text);
  if (match === null) throw new Error(`no pid line in ${JSON.stringify(text)}`);
  return Number(match[1]);
}
