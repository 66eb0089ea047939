import { lstat, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { WorktreeTamperedError } from './errors.js';
import type { GitDirs } from './git-env.js';
import { assertRefArgument, runGit } from './run-git.js';

/** A linked worktree's explicit directories and what was found changed in its git metadata (empty: nothing). */
export interface WorktreeCheck {
  readonly dirs: GitDirs;
  /** What differs from what Gantry made: the `.git` file, the git dir's HEAD. */
  readonly problems: readonly string[];
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

/** The common git dir of `repo` (absolute), asked of the main repository, never of a task's working copy. */
export async function commonGitDir(repo: string): Promise<string> {
  const out = (await runGit(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir'])).stdout.replace(/\n$/, '');
  return isAbsolute(out) ? out : resolve(repo, out);
}

/**
 * Finds the git dir Gantry's `git worktree add` made for `worktree` (a linked worktree of `repo` with `branch` checked
 * out) by the record git keeps in the repository (`<common>/worktrees/<name>/gitdir` naming `<worktree>/.git`), never
 * by the worktree's own `.git` file, and reports what a task changed: a `.git` that is missing, not a plain file, or
 * pointing elsewhere (at the main git dir, say), and a HEAD that is not the symbolic ref `refs/heads/<branch>`.
 * A `WorktreeTamperedError` when no record names the worktree (nothing to address it by).
 */
export async function checkWorktree(repo: string, worktree: string, branch: string): Promise<WorktreeCheck> {
  assertRefArgument('branch', branch);
  const commonDir = await commonGitDir(repo);
  const workTree = await realpath(worktree).catch(() => resolve(worktree));
  const dotGit = join(workTree, '.git');
  const admin = join(commonDir, 'worktrees');
  let gitDir: string | null = null;
  for (const name of await readdir(admin).catch(() => [] as string[])) {
    const recorded = (await readText(join(admin, name, 'gitdir')))?.trim();
    if (recorded !== undefined && (recorded === dotGit || recorded === join(resolve(worktree), '.git'))) {
      gitDir = join(admin, name);
      break;
    }
  }
  if (gitDir === null) throw new WorktreeTamperedError(worktree, `no git dir under ${admin} records it`);
  const problems: string[] = [];
  const st = await lstat(dotGit).catch(() => null);
  if (st === null) problems.push('its .git file is missing');
  else if (!st.isFile()) problems.push(`its .git is a ${st.isSymbolicLink() ? 'symbolic link' : 'directory or special file'}, not the file Gantry wrote`);
  else {
    const text = (await readText(dotGit))?.trim() ?? '';
    const pointed = text.startsWith('gitdir: ') ? text.slice(8) : text;
    const target = isAbsolute(pointed) ? pointed : resolve(workTree, pointed);
    if (target !== gitDir) problems.push(`its .git file points at ${JSON.stringify(pointed)}, not at ${gitDir}`);
  }
  const head = (await readText(join(gitDir, 'HEAD')))?.trim();
  if (head !== `ref: refs/heads/${branch}`) problems.push(`its HEAD is ${JSON.stringify(head ?? null)}, not ref: refs/heads/${branch}`);
  return { dirs: { workTree, gitDir, commonDir }, problems };
}

/** Writes back what {@link checkWorktree} expects: the `.git` file naming the worktree's git dir, HEAD on `branch`. */
export async function restoreWorktree(dirs: GitDirs, branch: string): Promise<void> {
  assertRefArgument('branch', branch);
  const dotGit = join(dirs.workTree, '.git');
  const st = await lstat(dotGit).catch(() => null);
  if (st !== null && !st.isFile()) await rm(dotGit, { recursive: true, force: true }); // lstat: a link is removed, never followed
  await writeFile(dotGit, `gitdir: ${dirs.gitDir}\n`);
  await runGit(dirs, ['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
}
