import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { checkPatch, isGitDirSegment, pathViolations, type PatchRules } from '../../git/index.js';

const rules: PatchRules = {
  allowedPaths: picomatch(['src/**', 'test/**'], { dot: true }),
  forbidden: picomatch(['.git/**', '**/*.pem', '.env*'], { dot: true }),
  maxBytes: 100_000,
};

/** A new one-line file, `header` being the name as written after `b/` (quoted when it starts with a quote). */
function add(path: string): string {
  const [a, b] = path.startsWith('"') ? [`"a/${path.slice(1)}`, `"b/${path.slice(1)}`] : [`a/${path}`, `b/${path}`];
  return `diff --git ${a} ${b}\nnew file mode 100644\nindex 0000000..587be6b\n--- /dev/null\n+++ ${b}\n@@ -0,0 +1 @@\n+x\n`;
}
function link(path: string, target: string, mode = '120000'): string {
  return `diff --git a/${path} b/${path}\nnew file mode ${mode}\nindex 0000000..1234567\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+${target}\n\\ No newline at end of file\n`;
}
function renamed(from: string, to: string): string {
  return `diff --git a/${from} b/${to}\nsimilarity index 100%\nrename from ${from}\nrename to ${to}\n`;
}

/** The violations of one check, as `path: message`. */
function of(diff: string, check: 'format' | 'scope' | 'constraints', custom: PatchRules = rules): string[] {
  return checkPatch(diff, custom).violations.filter((v) => v.check === check).map((v) => `${v.path ?? '-'}: ${v.message}`);
}

describe('checkPatch', () => {
  it('passes a clean patch: adds, a modification, a rename and a symlink inside the allowed paths', () => {
    const diff = add('src/a.ts') + add('test/a.test.ts') + renamed('src/old.ts', 'src/new.ts') + link('src/current', 'a.ts')
      + 'diff --git a/src/m.ts b/src/m.ts\nindex 1111111..2222222 100644\n--- a/src/m.ts\n+++ b/src/m.ts\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n';
    expect(checkPatch(diff, rules)).toEqual({ format: true, scope: true, constraints: true, violations: [] });
  });

  it('format: rejects text that is not a unified diff, and a truncated one', () => {
    expect(checkPatch('rm -rf /\n', rules)).toMatchObject({ format: false, scope: true, constraints: true });
    expect(checkPatch('', rules).format).toBe(false);
    const truncated = add('src/a.ts').replace('@@ -0,0 +1 @@', '@@ -0,0 +1,5 @@');
    expect(of(truncated, 'format')).toEqual(['-: line 8: the hunk at line 6 ends early (0 old and 4 new lines missing)']);
  });

  it('scope: every path, both sides of a rename included, must be inside the allowed paths', () => {
    expect(of(add('docs/readme.md'), 'scope')).toEqual(['docs/readme.md: outside the allowed paths']);
    expect(of(renamed('src/a.ts', 'lib/a.ts'), 'scope')).toEqual(['lib/a.ts: outside the allowed paths']);
    expect(of(renamed('lib/a.ts', 'src/a.ts'), 'scope')).toEqual(['lib/a.ts: outside the allowed paths']);
    expect(checkPatch(add('docs/readme.md'), rules)).toMatchObject({ format: true, scope: false, constraints: true });
  });

  it('constraints: a/.git/config and every spelling of a .git segment', () => {
    const r = checkPatch(add('.git/config'), rules);
    expect(r).toMatchObject({ format: true, scope: false, constraints: false });
    expect(of(add('.git/config'), 'constraints')).toEqual(['.git/config: path under .git', '.git/config: matches a forbidden glob']);
    for (const path of ['src/.git/hooks/pre-commit', 'src/.GIT/config', 'src/.git./x', 'src/.git /x', 'src/.g\u200cit/x', 'src/GIT~1/config', 'src/.git::$INDEX_ALLOCATION/x']) {
      expect(of(add(path), 'constraints'), path).toEqual([`${path}: path under .git`]);
    }
    expect(isGitDirSegment('.gitignore')).toBe(false);
    expect(of(add('src/.gitignore'), 'constraints')).toEqual([]);
  });

  it('constraints: b/../../etc/passwd, absolute paths and other non-canonical paths', () => {
    expect(of(add('../../etc/passwd'), 'constraints')).toEqual(["../../etc/passwd: '..' path segment"]);
    expect(of(add('src/../../x'), 'constraints')).toEqual(["src/../../x: '..' path segment"]);
    expect(of(add('/etc/passwd'), 'constraints')).toEqual(['/etc/passwd: absolute path']);
    expect(of(add('C:/Windows/x'), 'constraints')).toEqual(['C:/Windows/x: absolute path']);
    expect(of(add('src/./x'), 'constraints')).toEqual(["src/./x: '.' path segment"]);
    expect(of(add('src//x'), 'constraints')).toEqual(['src//x: empty path segment (// or a trailing /)']);
    expect(of(add('src/.../x'), 'constraints')).toEqual(["src/.../x: '..' path segment"]);
  });

  it('constraints: a path without its a/ b/ prefix is also checked as written (absolute here) and fails format', () => {
    const diff = 'diff --git a/src/x b/src/x\n--- a/src/x\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n';
    const r = checkPatch(diff, rules);
    expect(r).toMatchObject({ format: false, constraints: false });
    expect(of(diff, 'constraints')).toEqual(['/etc/passwd: absolute path']);
  });

  it('constraints: a header that says one file while +++ writes .git/config is caught on both counts', () => {
    const diff = 'diff --git a/src/x b/src/x\n--- a/src/x\n+++ b/.git/config\n@@ -1 +1 @@\n-a\n+b\n';
    expect(checkPatch(diff, rules)).toMatchObject({ format: false, scope: false, constraints: false });
    expect(of(diff, 'constraints')).toContain('.git/config: path under .git');
  });

  it('constraints: renames into (and out of) forbidden paths', () => {
    expect(of(renamed('src/key.txt', 'src/key.pem'), 'constraints')).toEqual(['src/key.pem: matches a forbidden glob']);
    expect(of(renamed('src/key.pem', 'src/key.txt'), 'constraints')).toEqual(['src/key.pem: matches a forbidden glob']);
    expect(of(add('.env.local'), 'constraints')).toEqual(['.env.local: matches a forbidden glob']);
  });

  it('constraints: quoted paths are judged after their escapes are undone', () => {
    expect(of(add('"src/.g\\151t/config"'), 'constraints')).toEqual(['src/.git/config: path under .git']);
    expect(of(add('"src/..\\057..\\057etc"'), 'constraints')).toEqual(["src/../../etc: '..' path segment"]);
    expect(of(add('"src/a\\nb"'), 'constraints')).toEqual(['src/a\nb: control character in path']);
  });

  it('constraints: a backslash in a path', () => {
    expect(of(add('src\\..\\..\\etc\\passwd'), 'constraints')).toEqual(['src\\..\\..\\etc\\passwd: backslash in path']);
    expect(pathViolations('src/a\\b')).toEqual(['backslash in path']);
  });

  it('constraints: symlinks whose target is absolute, escapes the repository, points into .git or at a forbidden path', () => {
    expect(of(link('src/l', '../../etc/passwd'), 'constraints')).toEqual(['src/l: symlink pointing outside the repository ("../../etc/passwd")']);
    expect(of(link('src/l', '/etc/shadow'), 'constraints')).toEqual(['src/l: symlink to an absolute path "/etc/shadow"']);
    expect(of(link('src/l', '../.git/config'), 'constraints')).toEqual(['src/l: symlink pointing into .git ("../.git/config")']);
    expect(of(link('src/l', 'deploy/key.pem'), 'constraints')).toEqual(['src/l: symlink pointing at a forbidden path ("deploy/key.pem")']);
    expect(of(link('src/l', '../test/fixture.txt'), 'constraints')).toEqual([]);
  });

  it('constraints: submodule (gitlink) entries', () => {
    const diff = link('src/vendor', 'Subproject commit 0123456789abcdef0123456789abcdef01234567', '160000');
    expect(of(diff, 'constraints')).toEqual(['src/vendor: submodule (gitlink) entries are not accepted']);
  });

  it('constraints: a patch over the size limit', () => {
    const diff = add('src/a.ts');
    expect(of(diff, 'constraints', { ...rules, maxBytes: 50 })).toEqual([`-: patch is ${Buffer.byteLength(diff)} bytes, over the limit of 50`]);
    expect(of(diff, 'constraints', { ...rules, maxBytes: Buffer.byteLength(diff) })).toEqual([]);
  });
});
