import { assertRefArgument, runGit } from './run-git.js';

/** One commit of a branch: its sha, subject and the paths it changes. */
export interface BranchCommit {
  readonly sha: string;
  readonly subject: string;
  readonly paths: string[];
}

/**
 * The commits on `tip` that `base` does not have, oldest first, merges left out (`git rev-list --reverse --no-merges
 * base..tip`), each with its subject and the paths it changes against its parent.
 */
export async function branchCommits(repo: string, base: string, tip: string): Promise<BranchCommit[]> {
  assertRefArgument('commit', base);
  assertRefArgument('commit', tip);
  const shas = (await runGit(repo, ['rev-list', '--reverse', '--no-merges', '--end-of-options', `${base}..${tip}`])).stdout.split('\n').filter((l) => l !== '');
  const out: BranchCommit[] = [];
  for (const sha of shas) {
    const subject = (await runGit(repo, ['log', '-1', '--format=%s', '--end-of-options', sha])).stdout.trim();
    const names = await runGit(repo, ['diff-tree', '--no-commit-id', '--name-only', '--no-renames', '-r', '-z', '--root', '--end-of-options', sha]);
    out.push({ sha, subject, paths: names.stdout.split('\0').filter((p) => p !== '') });
  }
  return out;
}
