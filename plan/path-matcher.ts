import picomatch from 'picomatch';

/** A predicate over repository-relative file paths, built from patch-rule globs. */
export type PathPredicate = (path: string) => boolean;

/** picomatch options shared by every pattern: dotfiles are ordinary files (`src/**` covers `src/.eslintrc`). */
const OPTIONS: picomatch.PicomatchOptions = { dot: true };

/** `./a//b` → `a/b`, `a\b` → `a/b`: the spelling a path is matched in (`..` and leading `/` are left for the constraint check). */
function normalizePath(path: string): string {
  let p = path.replaceAll('\\', '/').replace(/\/{2,}/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  return p;
}

/**
 * A matcher for patch-rule globs (`patch_rules.allowed_paths`, `patch_rules.forbidden`, a workstream's
 * `allowed_paths`): true when the repository-relative `path` matches at least one pattern; never for an empty list.
 * Patterns follow picomatch (`*`, `**`, `?`, `[…]`, `{a,b}`), with dotfiles matched like any file. A pattern without
 * a `/` matches the file's name at any depth, as in `.gitignore` (`.env*` matches `config/.env.local`, `*.pem`
 * matches `a/b/key.pem`); a pattern with a `/` matches from the repository root (`.git/**` is the top `.git`).
 * The matcher does not judge a path's safety: reject absolute and `..` paths first (see `patchPathProblem`).
 * Case-sensitive by default; `nocase` (what {@link forbiddenMatcher} uses) ignores case and compares NFC forms.
 */
export function pathMatcher(patterns: readonly string[], opts: { readonly nocase?: boolean } = {}): PathPredicate {
  const options = { ...OPTIONS, nocase: opts.nocase ?? false };
  const anchored = patterns.filter((p) => p.includes('/'));
  const anyDepth = patterns.filter((p) => !p.includes('/'));
  const byPath = anchored.length ? picomatch(anchored, options) : null;
  const byName = anyDepth.length ? picomatch(anyDepth, { ...options, basename: true }) : null;
  return (path) => {
    const p = opts.nocase ? normalizePath(path).normalize('NFC') : normalizePath(path);
    return (byPath !== null && byPath(p)) || (byName !== null && byName(p));
  };
}

/**
 * The matcher of `patch_rules.forbidden`: {@link pathMatcher} ignoring case (and Unicode normalisation), so that
 * `key.PEM` is forbidden by the glob `*.pem` — on a case-insensitive file system, or to a tool that reads it, it is the
 * same file. Allowed paths stay case-sensitive: allowing less is the safe side.
 */
export function forbiddenMatcher(patterns: readonly string[]): PathPredicate {
  return pathMatcher(patterns, { nocase: true });
}

/**
 * What is wrong with a glob in `allowed_paths` / `forbidden`, or null when it is a usable relative glob: not empty,
 * no leading `/` or drive letter, no `..` segment, `/` as separator, no leading `./`, no `!` negation.
 */
export function globProblem(pattern: string): string | null {
  if (pattern.trim() === '') return 'a pattern must not be empty';
  if (pattern.startsWith('/') || /^[A-Za-z]:/.test(pattern)) return `'${pattern}' is absolute: patterns are relative to the repository root (no leading '/')`;
  if (pattern.includes('\\')) return `'${pattern}' uses '\\': separate path segments with '/'`;
  if (pattern.split('/').includes('..')) return `'${pattern}' contains '..': patterns must stay inside the repository`;
  if (pattern.startsWith('./')) return `'${pattern}' starts with './': write it relative to the repository root without './'`;
  if (pattern.startsWith('!')) return `'${pattern}' is negated: negation is not supported (list excluded paths under patch_rules.forbidden)`;
  return null;
}

/**
 * Why a path touched by a patch is never acceptable whatever the globs say (SSOT §2.2 constraint check), or null:
 * empty, absolute, containing a `..` segment, or inside a `.git` directory.
 */
export function patchPathProblem(path: string): string | null {
  const p = normalizePath(path);
  if (p === '') return 'empty path';
  if (p.startsWith('/') || /^[A-Za-z]:\//.test(p)) return `'${path}' is absolute`;
  const segments = p.split('/');
  if (segments.includes('..')) return `'${path}' contains '..'`;
  if (segments.includes('.git')) return `'${path}' is inside .git/`;
  return null;
}
