import { lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RemoteTransportError } from './errors.js';
import type { GitDirs } from './git-env.js';
import { fetchFromRemote } from './remote-transport.js';
import { assertRefArgument, runGit } from './run-git.js';

/** Where a worker checks a remote's commit out: the work tree the task sees and the git dir Gantry keeps beside it. */
export interface RemoteCheckout {
  /** The remote (`run.remote`). */
  readonly url: string;
  /** The branch the commit is on (the workstream's integration branch). */
  readonly branch: string;
  /** The commit to check out (40 or 64 hex digits): exactly this one, never the branch tip. */
  readonly commit: string;
  /** The work tree: created when missing. */
  readonly workTree: string;
  /** The git dir, outside the work tree: created when missing. */
  readonly gitDir: string;
  /** Longest the fetch may take; default `remoteTimeoutMs()`. */
  readonly timeoutMs?: number;
}

/** The only configuration a worker's clone has: written anew before every use, so nothing a task put there counts. */
const FRESH_CONFIG = '[core]\n\trepositoryformatversion = 0\n\tbare = false\n';

/**
 * Puts a worker's clone of a remote at exactly `commit` (issue 16): the git dir (kept outside the work tree, created
 * on first use) gets a fresh configuration and the work tree a fresh `.git` file naming it — whatever a task wrote
 * there before is replaced — then the branch is fetched from the remote (with a timeout; only this remote's transport
 * allowed), the commit checked out detached and forced, and everything else removed: tracked changes undone and
 * untracked files deleted (ignored ones kept). Every git call addresses the clone explicitly with Gantry's hardened
 * configuration. A `RemoteTransportError` when the remote cannot be reached or does not have the commit on `branch`.
 * Returns the clone's explicit directories.
 */
export async function checkoutRemoteCommit(c: RemoteCheckout): Promise<GitDirs> {
  assertRefArgument('branch', c.branch);
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(c.commit)) throw new RemoteTransportError(c.url, 'checkout', `${JSON.stringify(c.commit)} is not a full commit id`);
  const dirs: GitDirs = { workTree: resolve(c.workTree), gitDir: resolve(c.gitDir), commonDir: resolve(c.gitDir) };
  await mkdir(dirs.workTree, { recursive: true });
  if (!(await lstat(join(dirs.gitDir, 'HEAD')).then((s) => s.isFile(), () => false))) {
    await rm(dirs.gitDir, { recursive: true, force: true });
    await mkdir(dirs.gitDir, { recursive: true });
    await runGit(dirs, ['init', '--quiet']);
  }
  await writeFile(join(dirs.gitDir, 'config'), FRESH_CONFIG);
  await rm(join(dirs.gitDir, 'objects', 'info', 'alternates'), { force: true });
  await rm(join(dirs.gitDir, 'index.lock'), { force: true });
  const dotGit = join(dirs.workTree, '.git');
  const st = await lstat(dotGit).catch(() => null);
  if (st !== null && !st.isFile()) await rm(dotGit, { recursive: true, force: true }); // lstat: a link is removed, never followed
  await writeFile(dotGit, `gitdir: ${dirs.gitDir}\n`);
  const fetched = `refs/gantry/fetched/${c.branch}`;
  await fetchFromRemote(dirs, c.url, [`+refs/heads/${c.branch}:${fetched}`], c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {});
  const has = await runGit(dirs, ['cat-file', '-e', `${c.commit}^{commit}`], { okExitCodes: [1, 128] });
  if (has.exitCode !== 0) throw new RemoteTransportError(c.url, 'checkout', `commit ${c.commit} is not on branch ${c.branch} of the remote`);
  const onBranch = await runGit(dirs, ['merge-base', '--is-ancestor', c.commit, fetched], { okExitCodes: [1] });
  if (onBranch.exitCode !== 0) throw new RemoteTransportError(c.url, 'checkout', `commit ${c.commit} is not on branch ${c.branch} of the remote`);
  await runGit(dirs, ['checkout', '--quiet', '--force', '--detach', c.commit]);
  await runGit(dirs, ['reset', '--hard', '--quiet', c.commit]);
  await runGit(dirs, ['clean', '-ffd', '--quiet']);
  return dirs;
}

/** Writes the clone's fresh configuration again (after a task ran: what it wrote into the config does not count). */
export async function refreshCloneConfig(dirs: GitDirs): Promise<void> {
  await writeFile(join(dirs.gitDir, 'config'), FRESH_CONFIG);
  await rm(join(dirs.gitDir, 'objects', 'info', 'alternates'), { force: true });
  await rm(join(dirs.gitDir, 'index.lock'), { force: true });
}
