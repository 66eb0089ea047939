import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ATTEMPT_ENV, ProcessReapError } from './errors.js';

/**
 * Which tagged processes to end: one attempt's exact tag, every tag starting with `prefix` (a task, a run), or every
 * tag `match` accepts (`label` names them in errors).
 */
export type TagSelector = { readonly tag: string } | { readonly prefix: string } | { readonly match: (tag: string) => boolean; readonly label: string };

/** Rounds of scan-and-SIGKILL before {@link reapTagged} gives up (a fork storm outpacing the kills). */
export const MAX_REAP_ROUNDS = 50;

const KEY = Buffer.from(`${ATTEMPT_ENV}=`);

function matches(selector: TagSelector, value: string): boolean {
  if ('tag' in selector) return value === selector.tag;
  if ('prefix' in selector) return value.startsWith(selector.prefix);
  return selector.match(value);
}

/** The value of {@link ATTEMPT_ENV} in a NUL-separated environment block, or null. */
function tagOf(environ: Buffer): string | null {
  for (let at = environ.indexOf(KEY); at !== -1; at = environ.indexOf(KEY, at + 1)) {
    if (at !== 0 && environ[at - 1] !== 0) continue; // `X_GANTRY_ATTEMPT=` is another variable
    const end = environ.indexOf(0, at);
    return environ.subarray(at + KEY.length, end === -1 ? environ.length : end).toString('utf8');
  }
  return null;
}

/**
 * Pids of the live processes whose environment (`/proc/PID/environ`, the environment they were started with) carries
 * an {@link ATTEMPT_ENV} value the selector matches; this process excluded. Zombies have an empty environment and
 * never match; processes of other users are unreadable and skipped. Without `/proc` (not Linux) there are none.
 */
export async function taggedPids(selector: TagSelector): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  // Read asynchronously (the engine's heartbeats go on meanwhile), a bounded number of files at a time.
  const candidates = entries.filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid);
  const pids: number[] = [];
  for (let i = 0; i < candidates.length; i += 64) {
    await Promise.all(
      candidates.slice(i, i + 64).map(async (entry) => {
        const environ = await readFile(`/proc/${entry}/environ`).catch(() => null); // gone meanwhile, or not ours to read
        const tag = environ === null ? null : tagOf(environ);
        if (tag !== null && matches(selector, tag)) pids.push(Number(entry));
      }),
    );
  }
  return pids.sort((a, b) => a - b);
}

/**
 * Ends every process of an attempt, wherever it went (its own group, a new session by `setsid`, a double fork
 * re-parented to pid 1): scans `/proc` for the {@link ATTEMPT_ENV} tag, SIGKILLs what it finds and scans again until
 * nothing is left (children forked meanwhile are found by the next round). Returns the pids it killed.
 * Throws {@link ProcessReapError} when processes survive {@link MAX_REAP_ROUNDS} rounds. A process that cleared its
 * environment (`env -i`) escapes the tag: the bubblewrap sandbox's PID namespace is what catches those.
 */
export async function reapTagged(selector: TagSelector): Promise<number[]> {
  const killed: number[] = [];
  for (let round = 0; round < MAX_REAP_ROUNDS; round++) {
    const pids = await taggedPids(selector);
    if (pids.length === 0) return killed;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        if (!killed.includes(pid)) killed.push(pid);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw new ProcessReapError(describe(selector), [pid], { cause: err });
      }
    }
    await sleep(Math.min(5 * (round + 1), 50)); // SIGKILL is delivered asynchronously
  }
  const left = await taggedPids(selector);
  if (left.length > 0) throw new ProcessReapError(describe(selector), left);
  return killed;
}

function describe(selector: TagSelector): string {
  if ('tag' in selector) return `${ATTEMPT_ENV}=${selector.tag}`;
  if ('prefix' in selector) return `${ATTEMPT_ENV}=${selector.prefix}*`;
  return `${ATTEMPT_ENV} of ${selector.label}`;
}
