import { isGitDirSegment } from './path-violations.js';

/** Most symbolic links followed while resolving one path (Linux stops at 40, `ELOOP`). */
export const MAX_LINK_HOPS = 40;

/** Where a path of a tree ends up once every link on the way is followed. */
export type LinkResolution =
  | { readonly kind: 'inside'; readonly path: string }
  | { readonly kind: 'outside'; readonly via: readonly string[] }
  | { readonly kind: 'git'; readonly path: string; readonly via: readonly string[] }
  | { readonly kind: 'loop'; readonly via: readonly string[] };

/**
 * Resolves repository-relative `path` in a tree whose symbolic links are `links` (path → target), as the kernel
 * would on a checkout of it: segment by segment, every link met on the way (not only the last) replaced by its
 * target relative to the link's folder, `..` taken after links. `outside` when it climbs above the top or a link is
 * absolute, `git` when it names a `.git` segment (any spelling), `loop` past {@link MAX_LINK_HOPS} links; `via` lists
 * the links followed.
 */
export function resolveInTree(links: ReadonlyMap<string, string>, path: string): LinkResolution {
  const via: string[] = [];
  const done: string[] = [];
  let todo = path.split('/');
  while (todo.length > 0) {
    const seg = todo.shift()!;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (done.length === 0) return { kind: 'outside', via };
      done.pop();
      continue;
    }
    if (isGitDirSegment(seg)) return { kind: 'git', path: [...done, seg].join('/'), via };
    const here = [...done, seg].join('/');
    const target = links.get(here);
    if (target === undefined) {
      done.push(seg);
      continue;
    }
    via.push(here);
    if (via.length > MAX_LINK_HOPS) return { kind: 'loop', via };
    if (target.startsWith('/') || /^[A-Za-z]:/.test(target) || target.includes('\\')) return { kind: 'outside', via };
    todo = [...target.split('/'), ...todo]; // relative to the link's folder: `done` stays as it is
  }
  return { kind: 'inside', path: done.join('/') };
}

/**
 * The problems of the links of a tree: each link in `judged` resolved through all of `links` ({@link resolveInTree});
 * a message per link that leaves the repository, enters `.git`, loops, or ends on a path `forbidden` matches.
 */
export function linkProblems(links: ReadonlyMap<string, string>, judged: Iterable<string>, forbidden: (path: string) => boolean): string[] {
  const problems: string[] = [];
  for (const link of judged) {
    const r = resolveInTree(links, link);
    const chain = r.kind === 'inside' ? '' : ` (through ${r.via.map((v) => `${v} -> ${links.get(v)}`).join(', ')})`;
    if (r.kind === 'outside') problems.push(`${link}: symlink resolving outside the repository${chain}`);
    else if (r.kind === 'git') problems.push(`${link}: symlink resolving into .git${chain}`);
    else if (r.kind === 'loop') problems.push(`${link}: symlink chain longer than ${MAX_LINK_HOPS} links${chain}`);
    else if (forbidden(r.path)) problems.push(`${link}: symlink resolving to the forbidden path ${r.path}`);
  }
  return problems;
}
