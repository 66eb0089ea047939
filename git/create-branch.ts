import { revParse } from './rev-parse.js';
import { assertRefArgument, runGit } from './run-git.js';

/** Creates branch `name` at `startPoint` (default HEAD) without checking it out; returns the sha it points at. */
export async function createBranch(repo: string, name: string, startPoint = 'HEAD'): Promise<string> {
  assertRefArgument('branch', name);
  assertRefArgument('start point', startPoint);
  await runGit(repo, ['branch', '--no-track', '--end-of-options', name, startPoint]);
  return revParse(repo, `refs/heads/${name}`);
}
