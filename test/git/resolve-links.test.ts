import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWorktree, checkWorktree, commitAll, diffWorktree, linkProblems, MAX_LINK_HOPS, resolveInTree, resultingTreeLinkProblems, runGit,
} from '../../git/index.js';
import { forbiddenMatcher } from '../../plan/index.js';
import { repoWith, scratch, type Scratch } from './git-fixtures.js';

const none = () => false;

describe('resolveInTree: a path resolved through every link of a tree, as the kernel would', () => {
  it('follows a chain whose links each normalise inside on paper, and finds it leaves the repository', () => {
    const links = new Map([['x', '.'], ['y', 'x/..'], ['y2', 'y/..'], ['pw', 'y2/etc/passwd']]);
    expect(resolveInTree(links, 'x')).toEqual({ kind: 'inside', path: '' });
    expect(resolveInTree(links, 'y')).toEqual({ kind: 'outside', via: ['y', 'x'] });
    expect(resolveInTree(links, 'pw')).toMatchObject({ kind: 'outside', via: ['pw', 'y2', 'y', 'x'] });
  });

  it('follows links in the middle of a path, relative to the link\'s folder', () => {
    const links = new Map([['a/b', '../c'], ['c/d', 'e']]);
    expect(resolveInTree(links, 'a/b/d/f')).toEqual({ kind: 'inside', path: 'c/e/f' });
    expect(resolveInTree(links, 'a/b/../../..')).toEqual({ kind: 'outside', via: ['a/b'] });
  });

  it('absolute targets are outside, .git in any spelling is .git, loops stop after the hop limit', () => {
    expect(resolveInTree(new Map([['l', '/etc']]), 'l').kind).toBe('outside');
    expect(resolveInTree(new Map([['d', 'sub/..'], ['l', 'd/.GIT/config']]), 'l')).toMatchObject({ kind: 'git', path: '.GIT' });
    const loop = resolveInTree(new Map([['a', 'b'], ['b', 'a']]), 'a');
    expect(loop.kind).toBe('loop');
    expect(loop.kind === 'loop' && loop.via.length).toBe(MAX_LINK_HOPS + 1);
  });

  it('linkProblems names each bad link with the chain, and links resolving to a forbidden path (any case)', () => {
    const links = new Map([['x', '.'], ['y', 'x/..'], ['k', 'x/secrets/KEY.pem'], ['ok', 'x/src']]);
    expect(linkProblems(links, ['y', 'k', 'ok'], forbiddenMatcher(['**/*.pem']))).toEqual([
      'y: symlink resolving outside the repository (through y -> x/.., x -> .)',
      'k: symlink resolving to the forbidden path secrets/KEY.pem',
    ]);
  });
});

describe('resultingTreeLinkProblems: links judged on the tree a patch makes', () => {
  let tmp: Scratch;
  let repo: string;
  beforeAll(async () => {
    tmp = await scratch('links');
    repo = join(tmp.dir, 'repo');
    await repoWith(repo, { 'src/a.txt': 'a\n' });
    await symlink('.', join(repo, 'here'));
    await symlink('../shared', join(repo, 'old-outside')); // the repository had it already: not the patch's doing
    await commitAll(repo, 'links');
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  it('reports a new link that leaves through a link the repository already had, not the old link itself', async () => {
    const wt = await addWorktree(repo, join(tmp.dir, 'wt'), 'int', 'main');
    await symlink('here/../x', join(wt, 'esc'));
    await symlink('here/src/a.txt', join(wt, 'fine'));
    const diff = await diffWorktree(wt);
    const dirs = (await checkWorktree(repo, wt, 'int')).dirs;
    expect(await resultingTreeLinkProblems(dirs, diff, none)).toEqual(['esc: symlink resolving outside the repository (through esc -> here/../x, here -> .)']);
    // Nothing was written: the work tree and its index are as the task left them.
    expect((await runGit(dirs, ['status', '--porcelain'])).stdout).toBe('?? esc\n?? fine\n');
  });
});
