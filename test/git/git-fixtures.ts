import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { commitAll, initRepo } from '../../git/index.js';

/** A temporary folder for one test file; `cleanup` removes it. */
export interface Scratch {
  readonly dir: string;
  cleanup(): Promise<void>;
}

/** Makes a temporary folder (real path, so comparisons with git's output hold). */
export async function scratch(prefix: string): Promise<Scratch> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), `gantry-${prefix}-`)));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes files (text or bytes) under `root`, creating folders. */
export async function writeFiles(root: string, files: Readonly<Record<string, string | Uint8Array>>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** A new repository at `dir` on branch `main` with `files` in its first commit; returns that commit's sha. */
export async function repoWith(dir: string, files: Readonly<Record<string, string | Uint8Array>>): Promise<string> {
  await initRepo(dir);
  await writeFiles(dir, files);
  return commitAll(dir, 'initial');
}

/** Runs git directly (plain CLI, to observe state independently of the code under test). */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
}
