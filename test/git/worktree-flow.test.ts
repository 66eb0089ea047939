import { readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWorktree, applyCheck, DiffEncodingError, applyPatch, checkPatch, commitAll, createBranch, diffWorktree, isClean,
  mergeBranch, parseDiff, parseDiffPaths, removeWorktree, revParse,
} from '../../git/index.js';
import { git, repoWith, scratch, writeFiles, type Scratch } from './git-fixtures.js';

const BINARY = Uint8Array.from([0, 1, 2, 255, 254, 0, 137, 80, 78, 71, 13, 10, 26, 10, ...Array.from({ length: 300 }, (_, i) => (i * 7) % 256)]);
const LATIN1 = Buffer.from('caf\xe9 cr\xe8me\n', 'latin1'); // text that is not UTF-8
const LONG = Array.from({ length: 40 }, (_, i) => `line ${i} of a file that will move\n`).join('');

let tmp: Scratch;
let repo: string;
let base: string;

beforeAll(async () => {
  tmp = await scratch('git-flow');
  repo = join(tmp.dir, 'repo');
  base = await repoWith(repo, {
    '.gitignore': '*.log\n',
    'src/keep.txt': 'keep\n',
    'src/mod.txt': 'one\ntwo\nthree\n',
    'src/del.txt': 'delete me\n',
    'src/old name.txt': LONG,
  });
  await createBranch(repo, 'ws-int', base);
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('a task worktree → patch → integration branch → target branch', () => {
  let taskTree: string;
  let intTree: string;
  let diff: string;

  it('diffs everything the task changed, leaving the worktree and its index exactly as it was', async () => {
    taskTree = await addWorktree(repo, join(tmp.dir, 'wt-task'), 'task-1', 'ws-int');
    await writeFiles(taskTree, {
      'src/mod.txt': 'one\n2\nthree\n',
      'src/new file.txt': 'with spaces\n',
      'src/ünïcödé.txt': 'unicode name\n',
      'src/img.bin': BINARY,
      'src/latin1.txt': LATIN1,
      'src/new name.txt': LONG,
      'build.log': 'ignored\n',
    });
    await rm(join(taskTree, 'src/del.txt'));
    await rm(join(taskTree, 'src/old name.txt'));
    await symlink('keep.txt', join(taskTree, 'src/link'));
    git(taskTree, 'add', 'src/mod.txt'); // the tool staged one file itself
    const statusBefore = git(taskTree, 'status', '--porcelain=v1', '-z', '--untracked-files=all');
    const stagedBefore = git(taskTree, 'diff', '--cached', '--name-status');

    diff = await diffWorktree(taskTree, base);

    expect(git(taskTree, 'status', '--porcelain=v1', '-z', '--untracked-files=all')).toBe(statusBefore);
    expect(git(taskTree, 'diff', '--cached', '--name-status')).toBe(stagedBefore);
    expect(await revParse(taskTree, 'HEAD')).toBe(base);
    expect(diff).toContain('GIT binary patch');
    const byPath = new Map(parseDiff(diff).files.map((f) => [f.newPath ?? f.oldPath, f]));
    expect(byPath.get('src/del.txt')?.status).toBe('deleted');
    expect(byPath.get('src/new file.txt')?.status).toBe('added');
    expect(byPath.get('src/new name.txt')).toMatchObject({ status: 'renamed', oldPath: 'src/old name.txt' });
    expect(byPath.get('src/img.bin')?.binary).toBe(true);
    expect(byPath.get('src/latin1.txt')?.binary).toBe(true); // not UTF-8: carried as binary data
    expect(byPath.get('src/mod.txt')?.binary).toBe(false); // the other files stay readable text
    expect(byPath.get('src/link')).toMatchObject({ newMode: '120000', symlinkTarget: 'keep.txt' });
    expect(parseDiffPaths(diff).sort()).toEqual([
      'src/del.txt', 'src/img.bin', 'src/latin1.txt', 'src/link', 'src/mod.txt', 'src/new file.txt',
      'src/new name.txt', 'src/old name.txt', 'src/ünïcödé.txt',
    ]);
    expect(parseDiff(diff).problems).toEqual([]);
  });

  it('passes the ledger checks under rules that allow src/**', () => {
    const result = checkPatch(diff, {
      allowedPaths: picomatch(['src/**'], { dot: true }),
      forbidden: picomatch(['.git/**', '**/*.pem', '.env*'], { dot: true }),
      maxBytes: 1_000_000,
    });
    expect(result).toEqual({ format: true, scope: true, constraints: true, violations: [] });
  });

  it('applies onto the integration branch and commits, reproducing the task tree byte for byte', async () => {
    intTree = await addWorktree(repo, join(tmp.dir, 'wt-int'), 'ws-int');
    expect(await applyCheck(intTree, diff)).toEqual({ ok: true, reason: null });
    await applyPatch(intTree, diff);
    const sha = await commitAll(intTree, 'task-1: edit src');
    expect(await revParse(repo, 'ws-int')).toBe(sha);
    expect(await isClean(intTree)).toBe(true);
    for (const path of ['src/mod.txt', 'src/new file.txt', 'src/ünïcödé.txt', 'src/img.bin', 'src/latin1.txt', 'src/new name.txt']) {
      expect(await readFile(join(intTree, path))).toEqual(await readFile(join(taskTree, path)));
    }
    expect(git(intTree, 'ls-files', '--stage', 'src/link')).toMatch(/^120000 /);
    expect(git(intTree, 'ls-files', 'src/del.txt', 'src/old name.txt', 'build.log')).toBe('');
  });

  it('merges the integration branch into main with a merge commit', async () => {
    await removeWorktree(repo, taskTree);
    await removeWorktree(repo, intTree);
    expect(git(repo, 'worktree', 'list', '--porcelain')).not.toContain('wt-task');
    const sha = await mergeBranch(repo, 'main', 'ws-int', 'Merge workstream ws-int');
    expect(git(repo, 'rev-list', '--parents', '-n', '1', sha).trim().split(' ')).toHaveLength(3);
    expect(git(repo, 'log', '-1', '--format=%s', sha).trim()).toBe('Merge workstream ws-int');
    expect(await readFile(join(repo, 'src/img.bin'))).toEqual(Buffer.from(BINARY));
    expect(await isClean(repo)).toBe(true);
  });
});

describe('diffWorktree edge cases', () => {
  it('refuses, with DiffEncodingError, non-UTF-8 text that the repository forces to be diffed as text', async () => {
    const forced = join(tmp.dir, 'forced');
    await repoWith(forced, { '.gitattributes': '*.txt diff\n' });
    await writeFiles(forced, { 'latin1.txt': LATIN1 });
    const error = await diffWorktree(forced).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiffEncodingError);
    expect(error).toMatchObject({ worktree: forced, base: 'HEAD' });
  });

  it('is empty when nothing changed, and includes commits the tool made itself when given the start point', async () => {
    const tree = await addWorktree(repo, join(tmp.dir, 'wt-commits'), 'task-2', 'main');
    const start = await revParse(tree, 'HEAD');
    expect(await diffWorktree(tree)).toBe('');
    await writeFiles(tree, { 'src/committed.txt': 'by the tool\n' });
    git(tree, 'add', '.');
    git(tree, '-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-q', '-m', 'tool commit');
    await writeFiles(tree, { 'src/uncommitted.txt': 'not yet\n' });
    expect(parseDiffPaths(await diffWorktree(tree, start)).sort()).toEqual(['src/committed.txt', 'src/uncommitted.txt']);
    expect(parseDiffPaths(await diffWorktree(tree))).toEqual(['src/uncommitted.txt']);
    await removeWorktree(repo, tree);
  });
});
