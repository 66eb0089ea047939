import { describe, expect, it } from 'vitest';
import { globProblem, patchPathProblem, pathMatcher } from '../../plan/index.js';

describe('pathMatcher: glob matching of patch rules', () => {
  const forbidden = pathMatcher(['.git/**', '**/*.pem', '.env*']);
  const allowed = pathMatcher(['src/**', 'test/**']);

  it('matches the forbidden globs of the example plan of the contract', () => {
    const yes = ['.git/config', '.git/hooks/pre-commit', 'key.pem', 'certs/server.pem', 'a/b/c/.hidden.pem', '.env', '.env.local', 'config/.env.production'];
    const no = ['.gitignore', '.github/workflows/ci.yml', 'src/git/x.ts', 'key.pem.txt', 'src/env.ts', 'docs/environment.md', 'src/.envy/x'];
    for (const p of yes) expect(forbidden(p), p).toBe(true);
    for (const p of no) expect(forbidden(p), p).toBe(false);
  });

  it('anchors patterns with a slash at the repository root; a pattern without one matches a name at any depth', () => {
    expect(forbidden('vendor/.git/config')).toBe(false); // `.git/**` is the repository's own .git (nested ones: patchPathProblem)
    expect(pathMatcher(['*.md'])('docs/a/README.md')).toBe(true);
    expect(pathMatcher(['docs/*.md'])('docs/a/README.md')).toBe(false);
    expect(pathMatcher(['docs/*.md'])('docs/README.md')).toBe(true);
  });

  it('matches the allowed globs, dotfiles included, and normalizes ./ and backslashes in paths', () => {
    for (const p of ['src/a.ts', 'src/deep/er/b.ts', 'src/.eslintrc', 'test/x.test.ts', './src/a.ts', 'src\\win\\a.ts', 'src//a.ts']) expect(allowed(p), p).toBe(true);
    for (const p of ['lib/a.ts', 'srcx/a.ts', 'README.md', 'other/src/a.ts']) expect(allowed(p), p).toBe(false);
  });

  it('supports braces, character classes and ?; an empty list matches nothing', () => {
    const m = pathMatcher(['src/**/*.{ts,tsx}', 'img/[0-9]?.png']);
    expect(['src/a.ts', 'src/x/b.tsx', 'img/12.png'].map(m)).toEqual([true, true, true]);
    expect(['src/a.js', 'img/a1.png', 'img/123.png'].map(m)).toEqual([false, false, false]);
    expect(pathMatcher([])('anything')).toBe(false);
  });
});

describe('globProblem and patchPathProblem', () => {
  it('accepts relative globs and explains the rest', () => {
    for (const ok of ['**', 'src/**', '.env*', '**/*.pem', 'a/{b,c}/*.ts']) expect(globProblem(ok), ok).toBeNull();
    expect(globProblem('')).toBe('a pattern must not be empty');
    expect(globProblem('/etc/**')).toContain('is absolute');
    expect(globProblem('D:/x')).toContain('is absolute');
    expect(globProblem('a/../b')).toContain("contains '..'");
    expect(globProblem('..')).toContain("contains '..'");
    expect(globProblem('./src/**')).toContain("starts with './'");
    expect(globProblem('!src/**')).toContain('negation is not supported');
    expect(globProblem('a\\b')).toContain("uses '\\'");
  });

  it('flags touched paths that no rule may allow: absolute, .., inside any .git', () => {
    expect(patchPathProblem('src/a.ts')).toBeNull();
    expect(patchPathProblem('/etc/passwd')).toBe("'/etc/passwd' is absolute");
    expect(patchPathProblem('src/../../x')).toBe("'src/../../x' contains '..'");
    expect(patchPathProblem('vendor/.git/config')).toBe("'vendor/.git/config' is inside .git/");
    expect(patchPathProblem('./')).toBe('empty path');
  });
});
