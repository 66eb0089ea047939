import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchCommits, commitAll, initRepo, isAncestor, moveBranch, replayCommits, revParse, runGit } from '../../git/index.js';

// Issue 15 part 2: the git steps of a conflict round — the branch's own commits, replayed onto another commit in a
// scratch worktree without moving anything, and the branch moved by compare-and-swap.
describe('replayCommits, branchCommits, moveBranch', () => {
  let dir: string;
  let repo: string;
  let scratch: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-replay-'));
    repo = join(dir, 'repo');
    scratch = join(dir, 'scratch');
    await initRepo(repo);
    await writeFile(join(repo, 'f.txt'), 'one\ntwo\nthree\n');
    await commitAll(repo, 'base');
    await runGit(repo, ['branch', 'side']);
    await writeFile(join(repo, 'f.txt'), 'ONE\ntwo\nthree\n');
    await commitAll(repo, 'main changes line 1');
    await runGit(repo, ['switch', '--quiet', 'side']);
    await writeFile(join(repo, 'f.txt'), 'one\ntwo\nTHREE\n');
    await commitAll(repo, 'side changes line 3');
    await writeFile(join(repo, 'g.txt'), 'g\n');
    await commitAll(repo, 'side adds g');
    await runGit(repo, ['switch', '--quiet', 'main']);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists the branch\'s own commits, oldest first, with subjects and paths', async () => {
    const commits = await branchCommits(repo, 'main', 'side');
    expect(commits.map((c) => [c.subject, c.paths])).toEqual([['side changes line 3', ['f.txt']], ['side adds g', ['g.txt']]]);
  });

  it('replays them onto main without moving a branch, and the branch then moves only from where it was', async () => {
    const main = await revParse(repo, 'main');
    const side = await revParse(repo, 'side');
    const r = await replayCommits(repo, scratch, main, (await branchCommits(repo, 'main', 'side')).map((c) => c.sha));
    if (!r.ok) throw new Error('expected a clean replay');
    expect((await runGit(repo, ['show', `${r.head}:f.txt`])).stdout).toBe('ONE\ntwo\nTHREE\n');
    expect(await isAncestor(repo, main, r.head)).toBe(true);
    expect(await revParse(repo, 'side')).toBe(side);
    expect((await runGit(repo, ['worktree', 'list', '--porcelain'])).stdout).not.toContain('scratch');
    expect(await moveBranch(repo, 'side', main, r.head)).toBe(false);
    expect(await moveBranch(repo, 'side', side, r.head)).toBe(true);
    expect(await revParse(repo, 'side')).toBe(r.head);
  });

  it('names the commit and the paths of a replay that conflicts, and leaves nothing behind', async () => {
    await runGit(repo, ['switch', '--quiet', '-c', 'other', 'main~1']);
    await writeFile(join(repo, 'f.txt'), 'uno\ntwo\nthree\n');
    await commitAll(repo, 'other changes line 1');
    await runGit(repo, ['switch', '--quiet', 'main']);
    const [own] = await branchCommits(repo, 'main', 'other');
    const r = await replayCommits(repo, scratch, await revParse(repo, 'main'), [own!.sha]);
    expect(r).toEqual({ ok: false, commit: own!.sha, paths: ['f.txt'] });
    expect((await runGit(repo, ['worktree', 'list', '--porcelain'])).stdout).not.toContain('scratch');
  });
});
