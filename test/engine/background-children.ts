import { execFileSync } from 'node:child_process';
import { isAlive } from '../exec/process-liveness.js';

/**
 * The attack tasks' script (issue 11): writes a line, then leaves two background children that outlive it — one in
 * a new session (`setsid`), one double-forked — each appending to `src/log.txt` after `n` (and `n + 1`) seconds; the
 * task itself takes 4 s.
 */
export const backgroundChildren = (n: number): string => [
  'mkdir -p src && echo attempt >> src/log.txt',
  `setsid sh -c 'sleep ${n}; echo late >> src/log.txt' &`,
  `(sh -c 'sleep ${n + 1}; echo late2 >> src/log.txt' &)`,
  'sleep 4',
].join('\n');

/** Pids of live processes whose command line is exactly `command` (pgrep -x -f). */
export function pidsOf(command: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', '-f', command], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number).filter(isAlive);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
