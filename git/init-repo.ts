import { mkdir } from 'node:fs/promises';
import { assertRefArgument, runGit } from './run-git.js';

/** Options for `initRepo`. */
export interface InitRepoOptions {
  /** Name of the unborn first branch (default `main`, whatever `init.defaultBranch` says). */
  readonly initialBranch?: string;
}

/** Creates `dir` if needed and makes it a git repository with no commit yet; returns `dir`. */
export async function initRepo(dir: string, options: InitRepoOptions = {}): Promise<string> {
  const branch = options.initialBranch ?? 'main';
  assertRefArgument('initial branch', branch);
  await mkdir(dir, { recursive: true });
  await runGit(dir, ['init', '--quiet', `--initial-branch=${branch}`]);
  return dir;
}
