import { copyFile, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiffEncodingError } from './errors.js';
import { parseDiffPaths } from './parse-diff-paths.js';
import { assertRefArgument, runGit, type GitPlace } from './run-git.js';
import { worktreeRoot } from './worktree-root.js';

/** The `git diff` options of a patch: binary data included, renames found, fixed a/ b/ prefixes, no external diff, no textconv, no colour. */
export const PATCH_DIFF_ARGS: readonly string[] = ['--binary', '--find-renames', '--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/'];

/**
 * Everything the worktree containing `worktree` changed against `base` (default HEAD) as one
 * unified diff that `git apply` takes: modified, new (untracked) and deleted files, renames,
 * mode changes, symlinks, binary files (`--binary`), and commits the tool made itself when
 * `base` is the task's start point. Ignored files are not part of it. Empty string: no change.
 *
 * How: the worktree's index is copied to a temporary file, `git add -A` runs against that copy
 * (`GIT_INDEX_FILE`; the copy keeps the index's times, so that git still checks racily clean entries by content),
 * and `git diff --cached base` reads it. The worktree, its real index and
 * its HEAD are left exactly as the tool left them; only blob objects are added to the store.
 * A file whose text diff is not UTF-8 (the diff must fit a text column) is diffed again as
 * binary, the rest stays text; `DiffEncodingError` when even that fails.
 */
export async function diffWorktree(worktree: GitPlace, base = 'HEAD'): Promise<string> {
  assertRefArgument('base', base);
  const root = typeof worktree === 'string' ? await worktreeRoot(worktree) : worktree;
  const scratch = await mkdtemp(join(tmpdir(), 'gantry-diff-'));
  try {
    const index = join(scratch, 'index');
    const env = { GIT_INDEX_FILE: index };
    const realIndex = (await runGit(root, ['rev-parse', '--path-format=absolute', '--git-path', 'index'])).stdout.replace(/\n$/, '');
    const copied = await copyFile(realIndex, index).then(() => true, (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false; // no index yet (nothing ever staged)
      throw error;
    });
    // The copy keeps the index's time: git trusts an entry's file stat only when the file is older than the index
    // ("racily clean" entries are compared by content), so a newer copy would hide a same-size edit made in the
    // second the index was written.
    if (copied) {
      const st = await stat(realIndex);
      await utimes(index, st.atime, st.mtime);
    }
    if (!copied) await runGit(root, ['read-tree', '--end-of-options', base], { env });
    await runGit(root, ['add', '--all'], { env });
    const diffArgs = ['diff', '--cached', ...PATCH_DIFF_ARGS, '--end-of-options', base, '--'];
    const bytes = (await runGit(root, diffArgs, { env })).stdoutBytes;
    const whole = decodeUtf8(bytes);
    if (whole !== null) return whole;
    // Some text content is not UTF-8: diff those files again as binary (base85 ASCII data), keep the rest as text.
    const attributes = join(scratch, 'attributes');
    await writeFile(attributes, '* -diff\n');
    const parts: string[] = [];
    for (const section of splitSections(bytes)) {
      const text = decodeUtf8(section);
      if (text !== null) {
        parts.push(text);
        continue;
      }
      const paths = parseDiffPaths(section.toString('latin1')).map((p) => `:(literal)${p}`);
      const again = await runGit(root, ['-c', `core.attributesFile=${attributes}`, ...diffArgs, ...paths], { env });
      const binary = decodeUtf8(again.stdoutBytes);
      if (binary === null || paths.length === 0 || !binary.startsWith('diff --git ')) throw new DiffEncodingError(await worktreeRoot(root), base);
      parts.push(binary);
    }
    return parts.join('');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The byte ranges of a diff's file sections (each starts with `diff --git ` at a line start). */
function splitSections(bytes: Buffer): Buffer[] {
  const marker = Buffer.from('\ndiff --git ');
  const sections: Buffer[] = [];
  let start = 0;
  for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) {
    sections.push(bytes.subarray(start, at + 1));
    start = at + 1;
  }
  sections.push(bytes.subarray(start));
  return sections;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch (error) {
    if (error instanceof TypeError) return null; // the only failure of a fatal decoder: invalid UTF-8
    throw error;
  }
}
