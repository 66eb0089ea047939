import { NothingToCommitError } from './errors.js';
import { revParse } from './rev-parse.js';
import { GANTRY_IDENTITY, identityEnv, runGit, type GitIdentity, type GitPlace } from './run-git.js';

/**
 * Stages everything in the worktree of `dir` (`git add -A`: new, modified and deleted files;
 * ignored files stay out) and commits it with `message`, authored by `author` (default the
 * Gantry identity; the committer is always Gantry). Hooks do not run. Returns the new commit's
 * sha; `NothingToCommitError` when there is no change.
 */
export async function commitAll(dir: GitPlace, message: string, author: GitIdentity = GANTRY_IDENTITY): Promise<string> {
  await runGit(dir, ['add', '--all']);
  const staged = await runGit(dir, ['diff', '--cached', '--quiet', '--no-ext-diff', '--no-textconv'], { okExitCodes: [1] });
  if (staged.exitCode === 0) throw new NothingToCommitError(typeof dir === 'string' ? dir : dir.workTree);
  // The message goes through stdin: any length, any leading character, no escaping.
  await runGit(dir, ['commit', '--quiet', '--no-verify', '--cleanup=verbatim', '--file=-'], { input: message, env: identityEnv('AUTHOR', author) });
  return revParse(dir, 'HEAD');
}
