import { readQuotedToken, unquoteGitPath } from './unquote-git-path.js';

/** What a diff does to one file. */
export type DiffFileStatus = 'added' | 'deleted' | 'modified' | 'renamed' | 'copied';

/** One file section of a diff. Paths are repository-relative, prefixes (`a/`, `b/`) stripped, quoting undone. */
export interface DiffFile {
  /** The path before the change; null for an added file. */
  readonly oldPath: string | null;
  /** The path after the change; null for a deleted file. */
  readonly newPath: string | null;
  readonly status: DiffFileStatus;
  readonly oldMode: string | null;
  readonly newMode: string | null;
  /** A binary change (`GIT binary patch`, or `Binary files … differ` without data). */
  readonly binary: boolean;
  /** The link target when the new side is a symlink (mode 120000), else null. */
  readonly symlinkTarget: string | null;
  /** Every name the section mentions (header, `---`/`+++`, rename/copy lines), each once: what the checks look at. */
  readonly names: readonly string[];
  /** 1-based line of the section's first line. */
  readonly line: number;
}

/** Something that keeps the text from being a well-formed unified diff. */
export interface DiffProblem {
  /** 1-based line (0 for the whole patch). */
  readonly line: number;
  readonly message: string;
}

/** The file sections of a diff and the problems found while reading it. */
export interface ParsedDiff {
  readonly files: readonly DiffFile[];
  readonly problems: readonly DiffProblem[];
}

const MODES = new Set(['100644', '100755', '120000', '160000']);
const EXTENDED: readonly [RegExp, keyof Draft | null][] = [
  [/^old mode (\d+)$/, 'oldMode'], [/^new mode (\d+)$/, 'newMode'],
  [/^deleted file mode (\d+)$/, 'deletedMode'], [/^new file mode (\d+)$/, 'createdMode'],
  [/^rename from (.+)$/, 'renameFrom'], [/^rename to (.+)$/, 'renameTo'],
  [/^copy from (.+)$/, 'copyFrom'], [/^copy to (.+)$/, 'copyTo'],
  [/^(?:dis)?similarity index \d{1,3}%$/, null], [/^index [0-9a-f]{4,64}\.\.[0-9a-f]{4,64}(?: (\d+))?$/, 'indexMode'],
];
const BASE85_LINE = /^[A-Za-z][0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]+$/;

interface Draft {
  oldMode?: string; newMode?: string; deletedMode?: string; createdMode?: string; indexMode?: string;
  renameFrom?: string; renameTo?: string; copyFrom?: string; copyTo?: string;
}

/**
 * Reads a unified diff (git-style sections starting with `diff --git`, or traditional
 * `---`/`+++` sections) strictly: unknown header lines, text outside sections, hunks whose line
 * counts do not match their `@@` header, truncated binary data, names without the `a/`/`b/`
 * prefix and headers that disagree with their `---`/`+++` lines are problems. Never throws.
 */
export function parseDiff(diff: string): ParsedDiff {
  const files: DiffFile[] = [];
  const problems: DiffProblem[] = [];
  if (diff.trim() === '') return { files, problems: [{ line: 0, message: 'empty patch' }] };
  if (diff.includes('\0')) problems.push({ line: 0, message: 'patch contains a NUL byte' });
  const lines = diff.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const problem = (index: number, message: string): void => void problems.push({ line: index + 1, message });
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const git = line.startsWith('diff --git ');
    if (git || (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ '))) {
      const section = readSection(lines, i, git, problem);
      files.push(section.file);
      i = section.next;
    } else {
      problem(i, `unexpected line outside a file section: ${preview(line)}`);
      i += 1;
    }
  }
  return { files, problems };
}

type Report = (index: number, message: string) => void;

function readSection(lines: readonly string[], start: number, git: boolean, problem: Report): { file: DiffFile; next: number } {
  const names: string[] = [];
  const name = (raw: string | null, prefix: 'a/' | 'b/', index: number): string | null => {
    if (raw === null) return null;
    const stripped = raw.startsWith(prefix) ? raw.slice(2) : raw;
    if (stripped === raw) problem(index, `path ${JSON.stringify(raw)} lacks the ${prefix} prefix`);
    if (!names.includes(stripped)) names.push(stripped);
    return stripped;
  };
  let i = start;
  let header: [string | null, string | null] = [null, null];
  const d: Draft = {};
  if (git) {
    // Unquoted names with spaces can make the header ambiguous; the rename/copy or ---/+++ lines then name the files.
    const split = splitGitHeader(lines[i]!.slice('diff --git '.length));
    if (split !== null) header = [name(split[0], 'a/', i), name(split[1], 'b/', i)];
    i += 1;
    while (i < lines.length && !/^(--- |@@ |GIT binary patch$|Binary files |diff --git )/.test(lines[i]!)) {
      const line = lines[i]!;
      const known = EXTENDED.find(([re]) => re.test(line));
      if (known === undefined) problem(i, `unknown header line: ${preview(line)}`);
      else if (known[1] !== null) {
        const value = known[0].exec(line)![1];
        if (value !== undefined) d[known[1]] = value;
      }
      i += 1;
    }
  }
  for (const key of ['renameFrom', 'renameTo', 'copyFrom', 'copyTo'] as const) {
    const raw = d[key];
    if (raw === undefined) continue;
    const path = unquoteGitPath(raw);
    if (path === null) problem(start, `malformed quoted path in ${key}: ${preview(raw)}`);
    else {
      d[key] = path;
      if (!names.includes(path)) names.push(path);
    }
  }
  let minus: string | null | undefined;
  let plus: string | null | undefined;
  if (lines[i]?.startsWith('--- ')) {
    if (!lines[i + 1]?.startsWith('+++ ')) problem(i + 1, 'a --- line not followed by a +++ line');
    minus = name(fileLineName(lines[i]!, problem, i), 'a/', i);
    plus = lines[i + 1]?.startsWith('+++ ') ? name(fileLineName(lines[i + 1]!, problem, i + 1), 'b/', i + 1) : undefined;
    i += plus === undefined ? 1 : 2;
  }
  let binary = false;
  const added: string[] = [];
  if (lines[i] === 'GIT binary patch') {
    binary = true;
    i = readBinary(lines, i + 1, problem);
  } else if (lines[i]?.startsWith('Binary files ')) {
    binary = true;
    problem(i, 'binary change without its data (make the diff with --binary)');
    i += 1;
  } else {
    while (lines[i]?.startsWith('@@')) i = readHunk(lines, i, added, problem);
  }
  if (i < lines.length && !lines[i]!.startsWith('diff --git ') && !(lines[i]!.startsWith('--- ') && !git)) {
    problem(i, `unexpected line in the section of ${names[0] ?? '(unknown file)'}: ${preview(lines[i]!)}`);
    while (i < lines.length && !lines[i]!.startsWith('diff --git ')) i += 1;
  }

  const created = d.createdMode !== undefined || minus === null;
  const deleted = d.deletedMode !== undefined || plus === null;
  const oldPath = created ? null : d.renameFrom ?? d.copyFrom ?? minus ?? header[0];
  const newPath = deleted ? null : d.renameTo ?? d.copyTo ?? plus ?? header[1];
  if (git && header[0] !== null && minus && minus !== (d.renameFrom ?? d.copyFrom ?? header[0])) problem(start, `--- names ${minus}, the header ${header[0]}`);
  if (git && header[1] !== null && plus && plus !== (d.renameTo ?? d.copyTo ?? header[1])) problem(start, `+++ names ${plus}, the header ${header[1]}`);
  if (names.length === 0) problem(start, `cannot tell which file this section changes: ${preview(lines[start]!)}`);
  const oldMode = d.oldMode ?? d.deletedMode ?? (created ? null : d.indexMode ?? null);
  const newMode = d.newMode ?? d.createdMode ?? (deleted ? null : d.indexMode ?? null);
  for (const mode of [oldMode, newMode]) if (mode !== null && !MODES.has(mode)) problem(start, `invalid file mode ${mode}`);
  const status = created ? 'added' : deleted ? 'deleted' : d.renameTo !== undefined ? 'renamed' : d.copyTo !== undefined ? 'copied' : 'modified';
  const symlinkTarget = newMode === '120000' && !deleted ? added.join('\n') : null;
  return { file: { oldPath, newPath, status, oldMode, newMode, binary, symlinkTarget, names, line: start + 1 }, next: i };
}

/** The two names of a `diff --git` header (prefixes kept), or null when they cannot be told apart. */
function splitGitHeader(rest: string): [string, string] | null {
  if (rest.startsWith('"')) {
    const first = readQuotedToken(rest);
    if (first === null || !first.rest.startsWith(' ')) return null;
    const second = unquoteGitPath(first.rest.slice(1));
    return second === null ? null : [first.value, second];
  }
  const quoted = rest.indexOf(' "');
  if (quoted >= 0) {
    const second = unquoteGitPath(rest.slice(quoted + 1));
    return second === null ? null : [rest.slice(0, quoted), second];
  }
  // Unquoted names may hold spaces: the same name on both sides ("a/X b/X") is unambiguous.
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === ' ' && rest.slice(2, half) === rest.slice(half + 3)) return [rest.slice(0, half), rest.slice(half + 1)];
  const parts = rest.split(' b/');
  return parts.length === 2 ? [parts[0]!, `b/${parts[1]!}`] : null;
}

/** The name on a `---`/`+++` line (null for /dev/null): quoted, or cut at the first tab (git appends one to names with spaces). */
function fileLineName(line: string, problem: Report, index: number): string | null {
  const raw = line.slice(4);
  if (raw.startsWith('"')) {
    const token = readQuotedToken(raw);
    if (token !== null && (token.rest === '' || token.rest.startsWith('\t'))) return token.value;
    problem(index, `malformed quoted path: ${preview(raw)}`);
    return raw;
  }
  const value = raw.split('\t')[0]!;
  return value === '/dev/null' ? null : value;
}

function readHunk(lines: readonly string[], start: number, added: string[], problem: Report): number {
  const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(lines[start]!);
  if (m === null) {
    problem(start, `malformed hunk header: ${preview(lines[start]!)}`);
    return start + 1;
  }
  let oldLeft = m[2] === undefined ? 1 : Number(m[2]);
  let newLeft = m[4] === undefined ? 1 : Number(m[4]);
  let i = start + 1;
  while (oldLeft > 0 || newLeft > 0) {
    const line = lines[i];
    if (line === undefined || line.startsWith('diff --git ')) {
      problem(i, `the hunk at line ${start + 1} ends early (${oldLeft} old and ${newLeft} new lines missing)`);
      return i;
    }
    const kind = line === '' ? ' ' : line[0];
    if (kind === ' ') { oldLeft -= 1; newLeft -= 1; }
    else if (kind === '-') oldLeft -= 1;
    else if (kind === '+') { newLeft -= 1; added.push(line.slice(1)); }
    else if (kind !== '\\') {
      problem(i, `the hunk at line ${start + 1} is shorter than its header says: ${preview(line)}`);
      return i;
    }
    if (oldLeft < 0 || newLeft < 0) problem(i, `the hunk at line ${start + 1} has more lines than its header says`);
    i += 1;
  }
  if (lines[i]?.startsWith('\\')) i += 1; // "\ No newline at end of file" after the last line
  return i;
}

function readBinary(lines: readonly string[], start: number, problem: Report): number {
  let i = start;
  for (let block = 0; block < 2; block++) {
    const head = /^(literal|delta) (\d+)$/.exec(lines[i] ?? '');
    if (head === null) {
      if (block === 0) problem(i, 'GIT binary patch without a literal or delta block');
      return i;
    }
    i += 1;
    while (i < lines.length && lines[i] !== '') {
      const line = lines[i]!;
      const c = line.charCodeAt(0);
      const size = c >= 65 && c <= 90 ? c - 64 : c >= 97 && c <= 122 ? c - 70 : -1;
      if (!BASE85_LINE.test(line) || line.length !== 1 + Math.ceil(size / 4) * 5) {
        problem(i, 'corrupt binary patch data');
        return i;
      }
      i += 1;
    }
    if (i >= lines.length) problem(i, 'binary patch data not closed by an empty line');
    i += 1;
  }
  return i;
}

function preview(line: string): string {
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
}
