import { lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkoutRemoteCommit, commitAll, diffWorktree, pushToRemote, RemoteTransportError, remoteBranchHead, remoteScheme, remoteTransportArgs, UnsupportedRemoteError } from '../../git/index.js';
import { git, repoWith, scratch, writeFiles, type Scratch } from './git-fixtures.js';

// Issue 16: a worker's clone of the run's remote, put at exactly the commit the engine names; only the remote's
// transport allowed, a timeout on every fetch, whatever a task left in the clone replaced. Real git, real folders.

const boxes: Scratch[] = [];
afterAll(async () => {
  for (const b of boxes) await b.cleanup();
});

/** A bare remote with branch `gantry/R/ws` holding two commits (`first`, then `second`, the tip). */
async function remote(): Promise<{ dir: string; bare: string; first: string; second: string }> {
  const box = await scratch('remote');
  boxes.push(box);
  const src = join(box.dir, 'src');
  const first = await repoWith(src, { 'a.txt': 'one\n', '.gitignore': 'cache/\n' });
  await writeFiles(src, { 'a.txt': 'two\n' });
  const second = await commitAll(src, 'second');
  const bare = join(box.dir, 'remote.git');
  git(box.dir, 'init', '--quiet', '--bare', bare);
  await pushToRemote(src, bare, [`${second}:refs/heads/gantry/R/ws`, `${second}:refs/heads/main`]);
  return { dir: box.dir, bare, first, second };
}

describe('remote transport (issue 16)', () => {
  it('knows the transport of each URL form and refuses those that run programs', () => {
    expect(remoteScheme('/srv/repo.git')).toBe('file');
    expect(remoteScheme('../repo.git')).toBe('file');
    expect(remoteScheme('file:///srv/repo.git')).toBe('file');
    expect(remoteScheme('git@host.example:team/repo.git')).toBe('ssh');
    expect(remoteScheme('ssh://git@host.example/team/repo.git')).toBe('ssh');
    expect(remoteScheme('https://host.example/team/repo.git')).toBe('https');
    expect(() => remoteScheme('ext::sh -c touch% /tmp/pwned')).toThrow(UnsupportedRemoteError);
    expect(() => remoteScheme('fd::3')).toThrow(UnsupportedRemoteError);
    expect(() => remoteScheme('ftp://host/repo')).toThrow(/scheme 'ftp'/);
    expect(() => remoteScheme('--upload-pack=evil')).toThrow(UnsupportedRemoteError);
    // Only the remote's own transport is allowed, on top of the hardened protocol.allow=never.
    expect(remoteTransportArgs('/srv/repo.git')).toEqual(['-c', 'protocol.file.allow=always']);
    expect(remoteTransportArgs('git@host:r.git')).toEqual(['-c', 'protocol.ssh.allow=always', '-c', 'core.sshCommand=ssh -o BatchMode=yes']);
  });

  it('reads the head of a remote branch, null for a branch the remote does not have', async () => {
    const r = await remote();
    expect(await remoteBranchHead(r.dir, r.bare, 'main')).toBe(r.second);
    expect(await remoteBranchHead(r.dir, r.bare, 'nope')).toBeNull();
  });
});

describe('checkoutRemoteCommit (issue 16)', () => {
  it('checks out exactly the named commit, not the branch tip, with the git dir outside the work tree', async () => {
    const r = await remote();
    const place = { workTree: join(r.dir, 'w', 'tree'), gitDir: join(r.dir, 'w', 'git') };
    const dirs = await checkoutRemoteCommit({ url: r.bare, branch: 'gantry/R/ws', commit: r.first, ...place });
    expect(await readFile(join(place.workTree, 'a.txt'), 'utf8')).toBe('one\n');
    expect(git(place.workTree, 'rev-parse', 'HEAD').trim()).toBe(r.first);
    expect((await readFile(join(place.workTree, '.git'), 'utf8')).trim()).toBe(`gitdir: ${place.gitDir}`);
    // A change the task makes is what the diff against the base holds.
    await writeFiles(place.workTree, { 'b.txt': 'new\n' });
    expect(await diffWorktree(dirs, r.first)).toContain('+++ b/b.txt');
  });

  it('puts back whatever a task left: its files, its config (a URL rewrite), a .git it replaced; ignored files stay', async () => {
    const r = await remote();
    const place = { workTree: join(r.dir, 'w', 'tree'), gitDir: join(r.dir, 'w', 'git') };
    await checkoutRemoteCommit({ url: r.bare, branch: 'gantry/R/ws', commit: r.first, ...place });
    await writeFiles(place.workTree, { 'a.txt': 'changed\n', 'junk.txt': 'x', 'cache/keep.bin': 'k' });
    // A rewrite of the remote's URL the task planted would redirect the next fetch: the config is written anew.
    await writeFile(join(place.gitDir, 'config'), `[url "/nonexistent/"]\n\tinsteadOf = ${r.bare}\n`);
    await writeFile(join(place.workTree, '.git'), 'gitdir: /elsewhere\n');
    await checkoutRemoteCommit({ url: r.bare, branch: 'gantry/R/ws', commit: r.second, ...place });
    expect(await readFile(join(place.workTree, 'a.txt'), 'utf8')).toBe('two\n');
    await expect(lstat(join(place.workTree, 'junk.txt'))).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(place.workTree, 'cache/keep.bin'), 'utf8')).toBe('k');
    expect((await readFile(join(place.workTree, '.git'), 'utf8')).trim()).toBe(`gitdir: ${place.gitDir}`);
    expect(await readFile(join(place.gitDir, 'config'), 'utf8')).not.toContain('insteadOf');
    // A .git directory the task made in place of the file is replaced too.
    await rm(join(place.workTree, '.git'));
    await mkdir(join(place.workTree, '.git'));
    await checkoutRemoteCommit({ url: r.bare, branch: 'gantry/R/ws', commit: r.first, ...place });
    expect((await lstat(join(place.workTree, '.git'))).isFile()).toBe(true);
    expect(git(place.workTree, 'rev-parse', 'HEAD').trim()).toBe(r.first);
  });

  it('says why when the remote cannot be reached, the commit is not on the branch, or the fetch times out', async () => {
    const r = await remote();
    const place = { workTree: join(r.dir, 'x', 'tree'), gitDir: join(r.dir, 'x', 'git') };
    const missing = join(r.dir, 'no-such-remote.git');
    await expect(checkoutRemoteCommit({ url: missing, branch: 'gantry/R/ws', commit: r.first, ...place })).rejects.toThrow(new RegExp(`fetch of remote ${missing} failed: .*(does not appear to be a git repository|not a git repository)`));
    const other = await repoWith(join(r.dir, 'other'), { 'z.txt': 'z\n' });
    const err = await checkoutRemoteCommit({ url: r.bare, branch: 'gantry/R/ws', commit: other, ...place }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteTransportError);
    expect((err as RemoteTransportError).message).toContain(`commit ${other} is not on branch gantry/R/ws of the remote`);
    await expect(checkoutRemoteCommit({ url: r.bare, branch: 'no-such-branch', commit: r.first, ...place })).rejects.toThrow(/couldn't find remote ref/);
    await expect(checkoutRemoteCommit({ url: r.bare, branch: 'gantry/R/ws', commit: r.first, ...place, timeoutMs: 1 })).rejects.toThrow(/no answer within 1 ms/);
  });
});
