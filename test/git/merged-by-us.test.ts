import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchLockFile, clearStaleBranchLock, commitAll, createBranch, mergeBranch, mergedByUs, recordedTargetHead, recordTargetHead, revParse } from '../../git/index.js';
import { git, repoWith, scratch, writeFiles, type Scratch } from './git-fixtures.js';

// Issue 12: what a crash inside a merge leaves, judged before merging again (a workstream is merged exactly once),
// and the branch lock a dead engine left behind.

const MESSAGE = 'Merge workstream ws of run r (gantry)';

describe('mergedByUs', () => {
  let s: Scratch;
  let n = 0;
  beforeAll(async () => {
    s = await scratch('merged-by-us');
  });
  afterAll(() => s.cleanup());

  /** A repository whose main is recorded, with branch `ws` one commit ahead of it. */
  async function setup(): Promise<string> {
    const repo = join(s.dir, `repo-${++n}`);
    await repoWith(repo, { 'a.txt': 'a\n' });
    await recordTargetHead(repo, 'main');
    await createBranch(repo, 'ws', 'main');
    git(repo, 'switch', '--quiet', 'ws');
    await writeFiles(repo, { 'b.txt': 'b\n' });
    await commitAll(repo, 'b');
    git(repo, 'switch', '--quiet', 'main');
    return repo;
  }

  it('is false before the merge, true after it (record moved or not), the lagging record advanced to our merge', async () => {
    const repo = await setup();
    expect(await mergedByUs(repo, 'main', 'ws', MESSAGE)).toBe(false);
    const before = await revParse(repo, 'refs/heads/main');
    const after = await mergeBranch(repo, 'main', 'ws', MESSAGE);
    expect(await recordedTargetHead(repo, 'main')).toBe(before); // the crash came between the merge and the record
    expect(await mergedByUs(repo, 'main', 'ws', MESSAGE)).toBe(true);
    expect(await recordedTargetHead(repo, 'main')).toBe(after);
    expect(await mergedByUs(repo, 'main', 'ws', MESSAGE)).toBe(true);
  });

  it('is false for a move from outside: a commit on main, or a merge that is not ours', async () => {
    const repo = await setup();
    await writeFiles(repo, { 'c.txt': 'c\n' });
    await commitAll(repo, 'someone else');
    expect(await mergedByUs(repo, 'main', 'ws', MESSAGE)).toBe(false);
    const other = await setup();
    await mergeBranch(other, 'main', 'ws', 'Merge branch ws by hand');
    expect(await mergedByUs(other, 'main', 'ws', MESSAGE)).toBe(false);
    expect(await recordedTargetHead(other, 'main')).not.toBe(await revParse(other, 'refs/heads/main'));
  });
});

describe('clearStaleBranchLock', () => {
  let s: Scratch;
  beforeAll(async () => {
    s = await scratch('stale-lock');
  });
  afterAll(() => s.cleanup());

  it('removes the lock of a dead holder on this host, keeps a live one and one of another host', async () => {
    const repo = join(s.dir, 'repo');
    await repoWith(repo, { 'a.txt': 'a\n' });
    const file = await branchLockFile(repo, 'main');
    await mkdir(dirname(file), { recursive: true });
    expect(await clearStaleBranchLock(repo, 'main')).toBe(false);
    const lock = (pid: number, host: string) => JSON.stringify({ holder: 'gantry run r (merge of ws)', pid, host, since: new Date().toISOString(), nonce: 'x' });
    await writeFile(file, lock(process.pid, hostname()));
    expect(await clearStaleBranchLock(repo, 'main')).toBe(false);
    await writeFile(file, lock(2 ** 22 + 1, 'another-host'));
    expect(await clearStaleBranchLock(repo, 'main')).toBe(false);
    await writeFile(file, lock(2 ** 22 + 1, hostname()));
    expect(await clearStaleBranchLock(repo, 'main')).toBe(true);
    expect(await clearStaleBranchLock(repo, 'main')).toBe(false);
  });
});
