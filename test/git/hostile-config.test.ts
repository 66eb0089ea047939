import { execFileSync } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWorktree, applyCheck, applyPatch, commitAll, createBranch, diffWorktree, GitTimeoutError, isClean, mergeBranch,
  MergeConflictError,  revertCommit, runGit,
} from '../../git/index.js';
import { repoWith, scratch, writeFiles, type Scratch } from './git-fixtures.js';

const exists = (p: string) => access(p).then(() => true, () => false);

// Every git call Gantry makes runs under its own configuration: drivers, hooks and fsmonitor a task planted in the
// repository's config never run (issue 11), and a hung git call is killed after its timeout.
describe('Gantry\'s git under a hostile repository configuration', () => {
  let tmp: Scratch;
  let repo: string;
  const m = (name: string) => join(tmp.dir, `pwned-${name}`);
  const markers = ['clean', 'smudge', 'process', 'textconv', 'extdiff', 'external', 'merge', 'fsmonitor', 'hook', 'included', 'pager'];

  beforeAll(async () => {
    tmp = await scratch('hostile');
    repo = join(tmp.dir, 'repo');
    await repoWith(repo, { 'a.txt': 'one\ntwo\nthree\n', 'b.md': 'b\n' });
    await writeFiles(tmp.dir, { 'hooks/post-commit': `#!/bin/sh\ntouch ${m('hook')}\n`, 'more.config': `[filter "y"]\n\tclean = touch ${m('included')}; cat\n` });
    execFileSync('chmod', ['+x', join(tmp.dir, 'hooks/post-commit')]);
    const config = join(repo, '.git', 'config');
    await writeFile(config, `${await readFile(config, 'utf8')}${[
      `[filter "x"]`, `\tclean = touch ${m('clean')}; cat`, `\tsmudge = touch ${m('smudge')}; cat`, `\tprocess = touch ${m('process')}`, '\trequired = true',
      `[filter "odd=name.with.dots"]`, `\tclean = touch ${m('clean')}; cat`,
      `[diff "x"]`, `\ttextconv = touch ${m('textconv')}; cat`, `\tcommand = touch ${m('extdiff')}`,
      `[diff]`, `\texternal = touch ${m('external')}`,
      `[merge "x"]`, `\tdriver = touch ${m('merge')}; cp %B %A`,
      `[core]`, `\tfsmonitor = touch ${m('fsmonitor')}`, `\thooksPath = ${join(tmp.dir, 'hooks')}`, `\tpager = touch ${m('pager')}; cat`,
      `[include]`, `\tpath = ${join(tmp.dir, 'more.config')}`,
    ].join('\n')}\n`);
    await writeFile(join(repo, '.git', 'info', 'attributes'), '*.txt filter=x diff=x merge=x\n*.md filter=y\n*.bin filter=odd=name.with.dots\n');
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  it('worktree add, diff, apply, commit, merge, revert, reset, checkout and status run none of the planted programs', async () => {
    await createBranch(repo, 'int');
    const wt = await addWorktree(repo, join(tmp.dir, 'wt'), 'int');
    await writeFiles(wt, { 'a.txt': 'one\n2\nthree\n', 'b.md': 'B\n', '.gitattributes': '* filter=x diff=x merge=x\n', 'c.bin': 'bin\n' });
    const diff = await diffWorktree(wt, 'HEAD');
    expect(diff).toContain('+2');
    await runGit(wt, ['reset', '--hard', '--quiet', 'HEAD']);
    await runGit(wt, ['clean', '-fd', '--quiet']);
    expect((await applyCheck(wt, diff)).ok).toBe(true);
    await applyPatch(wt, diff);
    const sha = await commitAll(wt, 'change');
    await runGit(repo, ['checkout', '--quiet', '-b', 'side', 'main']);
    await writeFiles(repo, { 'a.txt': 'one\ntwo\n3\n' });
    await commitAll(repo, 'side change');
    // A 3-way merge of a file whose attributes name the planted driver: the disarmed driver conflicts, nothing runs.
    await expect(mergeBranch(repo, 'side', 'int', 'merge int')).rejects.toBeInstanceOf(MergeConflictError);
    await runGit(repo, ['reset', '--hard', '--quiet', 'HEAD~1']);
    await writeFiles(repo, { 'd.txt': 'new on side\n' });
    await commitAll(repo, 'side change');
    await mergeBranch(repo, 'side', 'int', 'merge int');
    await revertCommit(repo, sha);
    await runGit(repo, ['diff', 'HEAD~2', 'HEAD']);
    await runGit(repo, ['log', '-p', '-3']);
    await runGit(repo, ['checkout', '--quiet', 'main']);
    expect(await isClean(repo)).toBe(true);
    for (const name of markers) expect({ name, ran: await exists(m(name)) }).toEqual({ name, ran: false });
    // The same repository under a plain git (the planted config in force) runs them: the attack is real.
    await writeFiles(wt, { 'a.txt': 'plain git\n' });
    try {
      execFileSync('git', ['-C', wt, 'add', 'a.txt'], { stdio: 'pipe', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
    } catch {
      // the planted `process` filter exits at once, so git then fails: it ran, which is what the marker shows
    }
    expect(await exists(m('process'))).toBe(true);
  });

  it('a git call that hangs is killed with its process group after the timeout: a GitTimeoutError', async () => {
    const error = await runGit(repo, ['-c', 'alias.hang=!sleep 100007', 'hang'], { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitTimeoutError);
    expect((error as GitTimeoutError).message).toMatch(/did not finish within 500 ms and was killed/);
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n');
    expect(processes.filter((l) => l.trim() === 'sleep 100007')).toEqual([]);
  });
});
