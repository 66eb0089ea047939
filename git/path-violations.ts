import { posix } from 'node:path';

// Characters HFS+ ignores in names, so ".g\u200cit" is ".git" there (as git's own verify_path knows).
const HFS_IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/** Whether one path segment names a `.git` directory on some filesystem (case, trailing dots/spaces, HFS ignorables, NTFS `GIT~1` and `.git::$…` streams). */
export function isGitDirSegment(segment: string): boolean {
  const plain = segment.replace(HFS_IGNORED, '').toLowerCase().split(':')[0]!.replace(/[. ]+$/, '');
  return plain === '.git' || plain === 'git~1';
}

/**
 * Why a repository-relative path is unsafe to write, as messages (empty when it is safe):
 * empty, control characters, a backslash (a separator on Windows, so its segments cannot be
 * judged), absolute (`/…` or a drive letter), an empty, `.` or `..` segment, or a segment that
 * is a `.git` directory (SSOT §2.2 constraints).
 */
export function pathViolations(path: string): string[] {
  const found: string[] = [];
  if (path === '') return ['empty path'];
  if (/[\u0000-\u001f\u007f]/.test(path)) found.push('control character in path');
  if (path.includes('\\')) found.push('backslash in path');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) found.push('absolute path');
  const segments = (path.startsWith('/') ? path.slice(1) : path).split('/');
  if (segments.some((s) => s === '')) found.push('empty path segment (// or a trailing /)');
  if (segments.includes('.')) found.push("'.' path segment");
  // Windows drops trailing dots and spaces, so "..." and ".. " are ".." there.
  if (segments.some((s) => s === '..' || (s.length > 1 && /^[. ]+$/.test(s)))) found.push("'..' path segment");
  if (segments.some(isGitDirSegment)) found.push('path under .git');
  return found;
}

/**
 * Why a symlink at `linkPath` pointing at `target` is unsafe (empty when it is safe): an absolute
 * target, a target that leaves the repository once resolved against the link's folder, a target
 * inside `.git`, or a target with a backslash or control character.
 */
export function symlinkViolations(linkPath: string, target: string): string[] {
  if (target === '') return ['symlink with an empty target'];
  if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) return [`symlink to an absolute path ${JSON.stringify(target)}`];
  if (target.includes('\\') || /[\u0000-\u001f\u007f]/.test(target)) return [`symlink target ${JSON.stringify(target)} has a backslash or control character`];
  const resolved = resolveSymlinkTarget(linkPath, target);
  if (resolved === '..' || resolved.startsWith('../')) return [`symlink pointing outside the repository (${JSON.stringify(target)})`];
  if (resolved.split('/').some(isGitDirSegment)) return [`symlink pointing into .git (${JSON.stringify(target)})`];
  return [];
}

/** The repository-relative path a symlink at `linkPath` with a relative `target` resolves to (may start with `../`). */
export function resolveSymlinkTarget(linkPath: string, target: string): string {
  return posix.normalize(posix.join(posix.dirname(linkPath), target));
}
