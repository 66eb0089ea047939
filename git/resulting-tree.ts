import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatchApplyError } from './errors.js';
import type { GitDirs } from './git-env.js';
import { linkProblems } from './resolve-links.js';
import { runGit } from './run-git.js';

/** The symbolic links (path → target) of the tree in a temporary index `index`, read with `git ls-files` and `cat-file`. */
async function indexLinks(place: GitDirs, index: string): Promise<Map<string, string>> {
  const env = { GIT_INDEX_FILE: index };
  const listed = (await runGit(place, ['ls-files', '--stage', '-z'], { env })).stdout.split('\0').filter((l) => l !== '');
  const links = listed.filter((l) => l.startsWith('120000 ')).map((l) => ({ sha: l.slice(7, l.indexOf(' ', 7)), path: l.slice(l.indexOf('\t') + 1) }));
  const out = new Map<string, string>();
  if (links.length === 0) return out;
  const batch = await runGit(place, ['cat-file', '--batch'], { env, input: links.map((l) => `${l.sha}\n`).join('') });
  let at = 0;
  const bytes = batch.stdoutBytes;
  for (const link of links) {
    const eol = bytes.indexOf(0x0a, at);
    const size = Number(bytes.subarray(at, eol).toString('utf8').split(' ')[2]);
    out.set(link.path, bytes.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    at = eol + 1 + size + 1;
  }
  return out;
}

/**
 * Judges the symbolic links of the tree `diff` makes at the HEAD of `place`, on that tree itself: the patch is
 * applied to a temporary index (`git apply --cached`; nothing in the work tree or the real index changes), and
 * every link of the result is resolved through all the others (git/resolve-links.ts) — chains like `x -> .`,
 * `y -> x/..`, `pw -> y/etc/passwd` included. A link is reported when it leaves the repository, enters `.git`,
 * loops, or ends on a `forbidden` path, and it is new or resolved safely before the patch (a link the repository
 * already had that way is not the patch's doing). Returns the problems (empty: the links are safe).
 */
export async function resultingTreeLinkProblems(place: GitDirs, diff: string, forbidden: (path: string) => boolean): Promise<string[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'gantry-tree-'));
  try {
    const index = join(scratch, 'index');
    await runGit(place, ['read-tree', 'HEAD'], { env: { GIT_INDEX_FILE: index } });
    const before = await indexLinks(place, index);
    const applied = await runGit(place, ['apply', '--cached', '--whitespace=nowarn', '-'], { env: { GIT_INDEX_FILE: index }, input: diff, okExitCodes: [1, 128] });
    if (applied.exitCode !== 0) throw new PatchApplyError(place.workTree, applied.stderr.trim());
    const after = await indexLinks(place, index);
    const judged = [...after.keys()].filter((p) => !before.has(p) || linkProblems(before, [p], forbidden).length === 0);
    return linkProblems(after, judged, forbidden);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
