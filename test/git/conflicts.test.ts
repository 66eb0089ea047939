import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWorktree, applyCheck, applyPatch, commitAll, createBranch, diffWorktree, GitCommandError, isClean,
  MergeConflictError, mergeBranch, PatchApplyError, RevertConflictError, revertCommit, revParse, removeWorktree,
} from '../../git/index.js';
import { git, repoWith, scratch, writeFiles, type Scratch } from './git-fixtures.js';

let tmp: Scratch;
let repo: string;
let base: string;

beforeAll(async () => {
  tmp = await scratch('git-conflicts');
  repo = join(tmp.dir, 'repo');
  base = await repoWith(repo, { 'f.txt': 'alpha\nbeta\ngamma\n', 'other.txt': 'other\n' });
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('conflicts and reverts', () => {
  it('applyCheck says no, with git\'s reason, when the target changed the same lines; applyPatch refuses and changes nothing', async () => {
    const task = await addWorktree(repo, join(tmp.dir, 'wt-a'), 'task-a', base);
    await writeFiles(task, { 'f.txt': 'alpha\nBETA from task\ngamma\n', 'added.txt': 'new\n' });
    const diff = await diffWorktree(task);
    await createBranch(repo, 'ws-a', base);
    const integration = await addWorktree(repo, join(tmp.dir, 'wt-int'), 'ws-a');
    await writeFiles(integration, { 'f.txt': 'alpha\nbeta from someone else\ngamma\n' });
    await commitAll(integration, 'someone else');

    const check = await applyCheck(integration, diff);
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/f\.txt/);
    const error = await applyPatch(integration, diff).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PatchApplyError);
    expect((error as PatchApplyError).reason).toMatch(/patch does not apply/);
    expect(await isClean(integration)).toBe(true); // all or nothing: added.txt was not created either
    await removeWorktree(repo, task);
    await removeWorktree(repo, integration);
  });

  it('applyCheck also says no to a corrupt patch and to a patch git itself considers unsafe', async () => {
    const corrupt = 'diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n-alpha\n';
    expect((await applyCheck(repo, corrupt)).ok).toBe(false);
    const hook = '.git/hooks/post-checkout';
    const intoGit = `diff --git a/${hook} b/${hook}\nnew file mode 100755\n--- /dev/null\n+++ b/${hook}\n@@ -0,0 +1 @@\n+evil\n`;
    expect(await applyCheck(repo, intoGit)).toMatchObject({ ok: false, reason: expect.stringMatching(/invalid path/) });
  });

  it('applyCheck in a folder that is not a worktree is an error, not a "no"', async () => {
    await expect(applyCheck(tmp.dir, 'diff --git a/x b/x\n')).rejects.toBeInstanceOf(GitCommandError);
  });

  it('a merge conflict aborts the merge, leaves the repository clean and names the paths', async () => {
    await createBranch(repo, 'ws-b', base);
    const side = await addWorktree(repo, join(tmp.dir, 'wt-b'), 'ws-b');
    await writeFiles(side, { 'f.txt': 'alpha\nbeta on ws-b\ngamma\n', 'other.txt': 'fine on ws-b\n' });
    await commitAll(side, 'ws-b change');
    await removeWorktree(repo, side);
    await writeFiles(repo, { 'f.txt': 'alpha\nbeta on main\ngamma\n' });
    const mainBefore = await commitAll(repo, 'main change');

    const error = await mergeBranch(repo, 'main', 'ws-b', 'Merge ws-b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeConflictError);
    expect(error).toMatchObject({ repo, target: 'main', source: 'ws-b', paths: ['f.txt'] });
    expect(await isClean(repo)).toBe(true);
    expect(await revParse(repo, 'HEAD')).toBe(mainBefore);
    expect(await readFile(join(repo, 'other.txt'), 'utf8')).toBe('other\n');
    expect(existsSync(join(repo, '.git', 'MERGE_HEAD'))).toBe(false);
  });

  it('switches to the target branch before merging, and a merge with nothing new returns the current sha', async () => {
    await createBranch(repo, 'ws-c', 'main');
    git(repo, 'switch', '--quiet', 'ws-c');
    await writeFiles(repo, { 'c.txt': 'c\n' });
    await commitAll(repo, 'c');
    const merged = await mergeBranch(repo, 'main', 'ws-c', 'Merge ws-c');
    expect(git(repo, 'branch', '--show-current').trim()).toBe('main');
    expect(await readFile(join(repo, 'c.txt'), 'utf8')).toBe('c\n');
    expect(await mergeBranch(repo, 'main', 'ws-c', 'again')).toBe(merged);
  });

  it('reverts a commit with a new commit', async () => {
    await writeFiles(repo, { 'r.txt': 'to be reverted\n' });
    const sha = await commitAll(repo, 'patch P');
    const revert = await revertCommit(repo, sha);
    expect(revert).not.toBe(sha);
    expect(git(repo, 'ls-files', 'r.txt')).toBe('');
    expect(git(repo, 'log', '-1', '--format=%s').trim()).toBe('Revert "patch P"');
    expect(await isClean(repo)).toBe(true);
  });

  it('reverts a merge commit given its mainline', async () => {
    await createBranch(repo, 'ws-d', 'main');
    git(repo, 'switch', '--quiet', 'ws-d');
    await writeFiles(repo, { 'd.txt': 'd\n' });
    await commitAll(repo, 'd');
    const merge = await mergeBranch(repo, 'main', 'ws-d', 'Merge ws-d');
    await revertCommit(repo, merge, { mainline: 1 });
    expect(git(repo, 'ls-files', 'd.txt')).toBe('');
  });

  it('a revert conflict aborts the revert, leaves the branch as it was and names the paths', async () => {
    await writeFiles(repo, { 'f.txt': 'alpha\nbeta v1\ngamma\n' });
    const first = await commitAll(repo, 'v1');
    await writeFiles(repo, { 'f.txt': 'alpha\nbeta v2\ngamma\n' });
    const head = await commitAll(repo, 'v2');
    const error = await revertCommit(repo, first).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RevertConflictError);
    expect(error).toMatchObject({ dir: repo, sha: first, paths: ['f.txt'] });
    expect(await revParse(repo, 'HEAD')).toBe(head);
    expect(await isClean(repo)).toBe(true);
  });
});
