import { open, readFile, unlink, mkdir } from 'node:fs/promises';
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
function alive(pid: number): boolean {
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

/** The lock file of `branch`: `<git common dir>/gantry-locks/<branch, URI-encoded>.lock`, shared by every worktree. */
export async function branchLockFile(repo: string, branch: string): Promise<string> {
  assertRefArgument('branch', branch);
  const common = (await runGit(repo, ['rev-parse', '--git-common-dir'])).stdout.trim();
  return join(isAbsolute(common) ? common : join(repo, common), 'gantry-locks', `${encodeURIComponent(branch)}.lock`);
}

/**
 * Runs `fn` holding Gantry's exclusive lock on `branch` of `repo`, so that a merge into the target branch and an
 * emergency rollback (SSOT §5.3), or two rollbacks, never move the same branch at once — from any process or
 * worktree of the repository. The lock is a file created with O_EXCL holding the holder, pid, host and time; a
 * file left by a dead process on this host is taken over. Waits up to `waitMs` for another holder, then throws
 * `BranchLockedError` naming it. The lock is released when `fn` settles, whatever it returns or throws.
 */
export async function withBranchLock<T>(repo: string, branch: string, opts: BranchLockOptions, fn: () => Promise<T>): Promise<T> {
  const file = await branchLockFile(repo, branch);
  await mkdir(join(file, '..'), { recursive: true });
  const mine = JSON.stringify({ holder: opts.holder, pid: process.pid, host: hostname(), since: new Date().toISOString() });
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(mine);
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const read = await readHolder(file);
    const holder = read?.holder ?? null;
    if (holder && holder['host'] === hostname() && typeof holder['pid'] === 'number' && !alive(holder['pid'])) {
      // Stale: removed only if it is still that same dead holder's file (another waiter may have taken over first).
      const again = await readFile(file, 'utf8').catch(() => null);
      if (again !== null && again === read!.raw) {
        await unlink(file).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= (opts.waitMs ?? 60_000)) throw new BranchLockedError(repo, branch, file, holder, waited);
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
  }
  try {
    return await fn();
  } finally {
    // Only our own lock is removed (a holder that found ours stale cannot exist: we are alive).
    if ((await readFile(file, 'utf8').catch(() => null)) === mine) await unlink(file);
  }
}
