import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Creates a git repository at `path` (branch `main`, one commit of a README) for a benchmark's plan to run against,
 * and returns `path`. Commits as `Bench <bench@localhost>` so that no user configuration is needed.
 */
export function benchRepo(path: string): string {
  mkdirSync(path);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@localhost', ...args], { cwd: path, stdio: 'ignore' });
  git('init', '--quiet', '--initial-branch=main');
  writeFileSync(join(path, 'README.md'), 'bench\n');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'initial');
  return path;
}
