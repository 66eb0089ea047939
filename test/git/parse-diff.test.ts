import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffWorktree, parseDiff, parseDiffPaths, readQuotedToken, unquoteGitPath } from '../../git/index.js';
import { repoWith, scratch, writeFiles, type Scratch } from './git-fixtures.js';

let tmp: Scratch;
beforeAll(async () => {
  tmp = await scratch('git-parse');
});
afterAll(async () => {
  await tmp.cleanup();
});

const problemsOf = (diff: string): string[] => parseDiff(diff).problems.map((p) => p.message);

describe('parseDiffPaths on diffs made by git', () => {
  it('reads spaces, unicode, quotes, tabs and both sides of a rename', async () => {
    const repo = join(tmp.dir, 'names');
    const body = Array.from({ length: 30 }, (_, i) => `row ${i}\n`).join('');
    await repoWith(repo, { 'old name.txt': body, 'plain.txt': 'p\n', 'gone.txt': 'g\n' });
    await rename(join(repo, 'old name.txt'), join(repo, 'new näme.txt'));
    await writeFiles(repo, {
      'dir with space/ü ber.txt': 'x\n', 'we"ird\tname.txt': 'y\n', 'emoji 🚀.md': 'z\n', 'back\\slash.txt': 'b\n', 'plain.txt': 'P\n',
    });
    await rename(join(repo, 'gone.txt'), join(repo, 'moved\\gone.txt'));
    const diff = await diffWorktree(repo);
    expect(diff).toContain('"b/dir with space/\\303\\274 ber.txt"'); // git's own quoting is what is parsed
    expect(parseDiff(diff).problems).toEqual([]);
    expect(parseDiffPaths(diff).sort()).toEqual([
      'back\\slash.txt', 'dir with space/ü ber.txt', 'emoji 🚀.md', 'gone.txt', 'moved\\gone.txt',
      'new näme.txt', 'old name.txt', 'plain.txt', 'we"ird\tname.txt',
    ]);
  });
});

describe('parseDiff on hand-written diffs', () => {
  it('unquotes octal escapes in a quoted header and a new file', () => {
    const diff = 'diff --git "a/f\\303\\274.txt" "b/f\\303\\274.txt"\nnew file mode 100644\nindex 0000000..e69de29\n';
    expect(parseDiff(diff)).toEqual({
      files: [{ oldPath: null, newPath: 'fü.txt', status: 'added', oldMode: null, newMode: '100644', binary: false, symlinkTarget: null, names: ['fü.txt'], line: 1 }],
      problems: [],
    });
  });

  it('takes rename names from the rename lines when the header cannot be split', () => {
    const diff = 'diff --git a/a b c b/d e f b/g\nsimilarity index 100%\nrename from a b c\nrename to d e f b/g\n';
    const [file] = parseDiff(diff).files;
    expect(file).toMatchObject({ status: 'renamed', oldPath: 'a b c', newPath: 'd e f b/g' });
    expect(problemsOf(diff)).toEqual([]);
    expect(problemsOf('diff --git a/a b c b/d e f b/g\nold mode 100644\nnew mode 100755\n')).toEqual([
      'cannot tell which file this section changes: "diff --git a/a b c b/d e f b/g"',
    ]);
  });

  it('reads a header with one quoted and one plain name', () => {
    expect(parseDiffPaths('diff --git a/x "b/y\\tz"\nold mode 100644\nnew mode 100755\n')).toEqual(['x', 'y\tz']);
  });

  it('reads traditional ---/+++ sections with timestamps after a tab', () => {
    const diff = '--- a/src/x.c\t2024-01-01 00:00:00\n+++ b/src/x.c\t2024-01-02 00:00:00\n@@ -1 +1 @@\n-a\n+b\n';
    expect(parseDiff(diff)).toMatchObject({ files: [{ oldPath: 'src/x.c', newPath: 'src/x.c', status: 'modified' }], problems: [] });
  });

  it('accepts a hunk whose blank context line lost its space, and the no-newline marker', () => {
    const diff = 'diff --git a/t b/t\n--- a/t\n+++ b/t\n@@ -1,3 +1,3 @@\n one\n\n-three\n+3\n\\ No newline at end of file\n';
    expect(problemsOf(diff)).toEqual([]);
  });

  it('reports what keeps a text from being a unified diff', () => {
    expect(problemsOf('')).toEqual(['empty patch']);
    expect(problemsOf('hello\n')).toEqual(['unexpected line outside a file section: "hello"']);
    const head = 'diff --git a/t b/t\n--- a/t\n+++ b/t\n';
    expect(problemsOf(`${head}@@ -1,2 +1,2 @@\n-a\n`)[0]).toMatch(/ends early/);
    expect(problemsOf(`${head}@@ -1,1 +1,1 @@\n-a\n+b\n+c\n`)[0]).toMatch(/unexpected line in the section of t/);
    expect(problemsOf(`${head}@@ -1 +1 @@\n-a\nrogue\n`)[0]).toMatch(/shorter than its header says/);
    expect(problemsOf(`${head}@@ nonsense @@\n`)[0]).toMatch(/malformed hunk header/);
    expect(problemsOf('diff --git a/t b/t\nfrobnicate yes\n')[0]).toMatch(/unknown header line/);
    expect(problemsOf('diff --git a/t b/t\nBinary files a/t and b/t differ\n')[0]).toMatch(/without its data/);
    expect(problemsOf('diff --git a/t b/t\nGIT binary patch\nliteral 5\nzzzz\n\n')[0]).toMatch(/corrupt binary patch data/);
    expect(problemsOf('diff --git a/t b/t\nold mode 100644\nnew mode 100777\n')[0]).toMatch(/invalid file mode 100777/);
    expect(problemsOf('diff --git a/t b/t\n--- a/t\n+++ b/.git/config\n@@ -1 +1 @@\n-a\n+b\n')[0]).toMatch(/\+\+\+ names .git\/config, the header t/);
    expect(problemsOf('diff --git x/t y/t\nold mode 100644\nnew mode 100755\n')).toEqual([
      'path "x/t" lacks the a/ prefix', 'path "y/t" lacks the b/ prefix',
    ]);
    expect(problemsOf('diff --git a/t b/t\n--- "a/t\\q"\n+++ b/t\n@@ -1 +1 @@\n-a\n+b\n')[0]).toMatch(/malformed quoted path/);
  });

  it('reads a symlink target and binary data made by git', () => {
    const link = 'diff --git a/l b/l\nnew file mode 120000\nindex 0000000..d550755\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+../x\n\\ No newline at end of file\n';
    expect(parseDiff(link).files[0]).toMatchObject({ newMode: '120000', symlinkTarget: '../x', status: 'added' });
    const bin = 'diff --git a/b b/b\nnew file mode 100644\nindex 0000000000000000000000000000000000000000..6f83395d973c448cdb70a7b21f7fc8018797acf6\nGIT binary patch\nliteral 5\nMcmYdJOnb=%00xEv9smFU\n\nliteral 0\nHcmV?d00001\n\n';
    expect(parseDiff(bin)).toMatchObject({ files: [{ binary: true, newPath: 'b' }], problems: [] });
  });
});

describe('unquoteGitPath', () => {
  it('undoes C-style quoting and leaves plain names alone', () => {
    expect(unquoteGitPath('"a\\tb\\"c\\\\d\\n"')).toBe('a\tb"c\\d\n');
    expect(unquoteGitPath('"\\360\\237\\232\\200 🚀"')).toBe('🚀 🚀');
    expect(unquoteGitPath('plain name')).toBe('plain name');
    expect(unquoteGitPath('"unterminated')).toBeNull();
    expect(unquoteGitPath('"bad \\q escape"')).toBeNull();
    expect(readQuotedToken('"x" rest')).toEqual({ value: 'x', rest: ' rest' });
  });
});
