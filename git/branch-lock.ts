import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { BranchLockedError } from './errors.js';
import { assertRefArgument, runGit } from './run-git.js';

/** Options of {@link withBranchLock}. */
export interface BranchLockOptions {
  /** Who holds the lock, written into the lock file for whoever waits (e.g. `gantry run demo-001`). */
  readonly holder: string;
  /** How long to wait for another holder before `BranchLockedError`; default 60,000 ms. */
  readonly waitMs?: number;
  /** Poll interval while waiting; default 100 ms. */
  readonly pollMs?: number;
}

/** Whether a process with `pid` runs on this host (a lock left by a dead one is stale). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file's raw text and what it says, or null while it is being written or was just removed (the next poll decides). */
async function readHolder(file: string): Promise<{ raw: string; holder: Record<string, unknown> } | null> {
  try {
    const raw = await readFile(file, 'utf8');
    return { raw, holder: JSON.parse(raw) as Record<string, unknown> };
  } catch {
    return null;
  }
}

/** The lock file of `branch`: `<git common dir>/gantry-locks/<branch, URI-encoded; hashed when long>.lock`, shared by every worktree. */
export async function branchLockFile(repo: string, branch: string): Promise<string> {
  assertRefArgument('branch', branch);
  const common = (await runGit(repo, ['rev-parse', '--git-common-dir'])).stdout.trim();
  // Long names (file names stop at 255 bytes, and `.takeover` and temp suffixes are added) are cut and hashed.
  const encoded = encodeURIComponent(branch);
  const name = encoded.length <= 120 ? encoded : `${encoded.slice(0, 80)}-${createHash('sha256').update(branch).digest('hex').slice(0, 32)}`;
  return join(isAbsolute(common) ? common : join(repo, common), 'gantry-locks', `${name}.lock`);
}

/**
 * Creates `file` holding `text`, atomically: written to a private file first, then hard-linked into place (which fails
 * with EEXIST when `file` exists), so a lock file is never seen empty or half-written. False when `file` exists.
 */
async function createAtomically(file: string, text: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { flag: 'wx' });
    await link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links (vfat, some network mounts): an exclusive create, written at once.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return createExclusive(file, text);
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined); // never written, or already gone: nothing to clean
  }
}

/** `open(file, 'wx')` and write: the fallback of {@link createAtomically} (a crash between the two leaves an empty file). */
async function createExclusive(file: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(text);
    return true;
  } catch (err) {
    await unlink(file).catch(() => undefined);
    throw err;
  } finally {
    await handle.close();
  }
}

/** Whether the file's holder is a dead process on this host. */
function deadHere(holder: Record<string, unknown> | null): boolean {
  return holder !== null && holder['host'] === hostname() && typeof holder['pid'] === 'number' && !processAlive(holder['pid']);
}

/**
 * Removes `file` if it still holds exactly `raw` (a dead holder's lock). Takeovers are serialised by a guard file
 * `<file>.takeover` (created atomically, held for a re-read and an unlink), so two waiters can never both remove a
 * lock and both go on to hold it: the second one re-reads and finds the first one's live lock. A guard left by a
 * process that died holding it is removed by the same dead-holder rule (a window remains there: two waiters judging the
 * same dead guard at once, while a third takes a new one, can both go on; it needs a process to die in the
 * microseconds it holds a guard). True when this call held the guard.
 */
async function removeStale(file: string, raw: string): Promise<boolean> {
  const guard = `${file}.takeover`;
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex') });
  if (!(await createAtomically(guard, mine))) {
    const g = await readHolder(guard);
    if (g && deadHere(g.holder) && (await readFile(guard, 'utf8').catch(() => null)) === g.raw) await unlink(guard).catch(ignoreMissing);
    return false; // another waiter is taking over; the next poll sees the outcome
  }
  try {
    if ((await readFile(file, 'utf8').catch(() => null)) === raw) await unlink(file).catch(ignoreMissing);
    return true;
  } finally {
    if ((await readFile(guard, 'utf8').catch(() => null)) === mine) await unlink(guard).catch(ignoreMissing);
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

/**
 * Runs `fn` holding Gantry's exclusive lock on `branch` of `repo`, so that a merge into the target branch and an
 * emergency rollback (SSOT §5.3), or two rollbacks, never move the same branch at once — from any process or
 * worktree of the repository. The lock is a file created atomically (never seen half-written) holding the holder,
 * pid, host and time; a file left by a dead process on this host is taken over (one waiter at a time). Waits up to
 * `waitMs` for another holder, then throws `BranchLockedError` naming it. The lock is released when `fn` settles,
 * whatever it returns or throws. Holders on other hosts are never judged dead: their files are removed by hand.
 */
export async function withBranchLock<T>(repo: string, branch: string, opts: BranchLockOptions, fn: () => Promise<T>): Promise<T> {
  const file = await branchLockFile(repo, branch);
  await mkdir(join(file, '..'), { recursive: true });
  const mine = JSON.stringify({ holder: opts.holder, pid: process.pid, host: hostname(), since: new Date().toISOString(), nonce: randomBytes(8).toString('hex') });
  const started = Date.now();
  while (!(await createAtomically(file, mine))) {
    const read = await readHolder(file);
    if (read && deadHere(read.holder) && (await removeStale(file, read.raw))) continue;
    const waited = Date.now() - started;
    if (waited >= (opts.waitMs ?? 60_000)) throw new BranchLockedError(repo, branch, file, read?.holder ?? null, waited);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
  }
  try {
    return await fn();
  } finally {
    // Only our own lock is removed (nobody takes over a live holder's lock).
    if ((await readFile(file, 'utf8').catch(() => null)) === mine) await unlink(file);
  }
}

/**
 * Removes the lock of `branch` when its holder is a dead process on this host (an engine killed while it merged),
 * one remover at a time as a waiter's takeover is; a live holder's lock, or one from another host, stays. True when
 * a stale lock was removed.
 */
export async function clearStaleBranchLock(repo: string, branch: string): Promise<boolean> {
  const file = await branchLockFile(repo, branch);
  const read = await readHolder(file);
  if (read === null || !deadHere(read.holder)) return false;
  return removeStale(file, read.raw);
}
