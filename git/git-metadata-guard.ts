import { chmod, lstat, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { GitDirs } from './git-env.js';

/** One watched file as it was: its bytes (or link target) and mode. */
interface Entry {
  readonly kind: 'file' | 'link';
  readonly data: Buffer;
  readonly mode: number;
}

/** The git metadata a task must never change, as it was before the task ran ({@link snapshotGitMetadata}). */
export interface GitMetadataSnapshot {
  /** Watched roots (absolute): each is a file or a folder taken whole. */
  readonly roots: readonly string[];
  readonly entries: ReadonlyMap<string, Entry>;
}

/**
 * What of a repository's git dirs can make git run code or change what it does, and is never written by Gantry during
 * a run: the shared `config`, `info/` (attributes, excludes, sparse-checkout), `hooks/`; and the worktree's own
 * `config.worktree`, `info/`, `hooks/`, and its `gitdir`, `commondir` and `HEAD` (a symbolic ref: commits move the
 * branch, never this file). Refs, objects, indexes and logs are not in it (Gantry writes those; other checks guard them).
 */
function watchedRoots(dirs: GitDirs): string[] {
  const roots = [join(dirs.commonDir, 'config'), join(dirs.commonDir, 'info'), join(dirs.commonDir, 'hooks')];
  if (dirs.gitDir !== dirs.commonDir) {
    // The worktree's own git dir: its config and hooks, and the files that tie it to its work tree and branch.
    roots.push(...['config.worktree', 'info', 'hooks', 'gitdir', 'commondir', 'HEAD'].map((f) => join(dirs.gitDir, f)));
  }
  return roots;
}

/** Every file and link under `root` (or `root` itself), with its lstat; folders are walked, never followed through links. */
async function walk(root: string, out: Map<string, { size: number; mode: number; kind: 'file' | 'link' | 'other' }>): Promise<void> {
  const st = await lstat(root).catch(() => null);
  if (st === null) return;
  if (st.isDirectory()) {
    for (const name of await readdir(root)) await walk(join(root, name), out);
  } else out.set(root, { size: st.size, mode: st.mode & 0o7777, kind: st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : 'other' });
}

/** Takes the snapshot of the watched git metadata of `dirs` (small files: config, hooks, attributes). */
export async function snapshotGitMetadata(dirs: GitDirs): Promise<GitMetadataSnapshot> {
  const roots = watchedRoots(dirs);
  const found = new Map<string, { size: number; mode: number; kind: 'file' | 'link' | 'other' }>();
  for (const root of roots) await walk(root, found);
  const entries = new Map<string, Entry>();
  for (const [path, st] of found) {
    if (st.kind === 'link') entries.set(path, { kind: 'link', data: Buffer.from(await readlink(path)), mode: st.mode });
    else if (st.kind === 'file') entries.set(path, { kind: 'file', data: await readFile(path), mode: st.mode });
  }
  return { roots, entries };
}

/**
 * Compares the watched git metadata with `snapshot` and puts it back as it was: changed files rewritten (bytes and
 * mode), removed ones recreated, new ones (a hook, an attributes file) deleted. Returns what had changed, as paths
 * relative to `base` (empty: nothing). Sizes are compared before contents, so a huge planted file is never read.
 */
export async function restoreGitMetadata(snapshot: GitMetadataSnapshot, base: string): Promise<string[]> {
  const now = new Map<string, { size: number; mode: number; kind: 'file' | 'link' | 'other' }>();
  for (const root of snapshot.roots) await walk(root, now);
  const changed = new Set<string>();
  for (const [path, st] of now) {
    const was = snapshot.entries.get(path);
    if (was === undefined) {
      changed.add(path);
      await rm(path, { force: true });
      continue;
    }
    const same = st.kind === was.kind && st.mode === was.mode && st.size === was.data.length
      && (st.kind === 'link' ? Buffer.from(await readlink(path)).equals(was.data) : (await readFile(path)).equals(was.data));
    if (!same) {
      changed.add(path);
      await put(path, was);
    }
  }
  for (const [path, was] of snapshot.entries) {
    if (now.has(path)) continue;
    changed.add(path);
    await put(path, was);
  }
  // Folders the task added under a watched folder (now empty) go too.
  for (const root of snapshot.roots) await dropNewFolders(root, snapshot, changed);
  return [...changed].map((p) => relative(base, p)).sort();
}

async function put(path: string, was: Entry): Promise<void> {
  await rm(path, { recursive: true, force: true });
  await mkdir(dirname(path), { recursive: true });
  if (was.kind === 'link') await symlink(was.data.toString(), path);
  else {
    await writeFile(path, was.data);
    await chmod(path, was.mode);
  }
}

async function dropNewFolders(dir: string, snapshot: GitMetadataSnapshot, changed: Set<string>): Promise<void> {
  const st = await lstat(dir).catch(() => null);
  if (st === null || !st.isDirectory()) return;
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const sub = await lstat(path).catch(() => null);
    if (sub === null || !sub.isDirectory()) continue;
    const known = [...snapshot.entries.keys()].some((k) => k.startsWith(`${path}/`));
    if (known) await dropNewFolders(path, snapshot, changed);
    else {
      changed.add(path);
      await rm(path, { recursive: true, force: true });
    }
  }
}
