import { parseDiff } from './parse-diff.js';
import { pathViolations, resolveSymlinkTarget, symlinkViolations } from './path-violations.js';

/** The repository rules a patch is checked against (plan `patch_rules`, narrowed by the workstream's `allowed_paths`). */
export interface PatchRules {
  /** True for a repository-relative path inside the allowed paths (compiled from the plan's globs by the caller). */
  readonly allowedPaths: (path: string) => boolean;
  /** True for a path matching a forbidden glob. */
  readonly forbidden: (path: string) => boolean;
  /** Largest patch accepted, in UTF-8 bytes of the diff text. */
  readonly maxBytes: number;
}

/** Which of the ledger's checks a violation fails (SSOT §2.2). */
export type PatchCheck = 'format' | 'scope' | 'constraints';

/** One reason a patch fails a check. */
export interface PatchViolation {
  readonly check: PatchCheck;
  /** The path concerned, when there is one. */
  readonly path?: string;
  readonly message: string;
}

/** The flags of the format / scope / constraints checks and every violation found. */
export interface PatchCheckResult {
  readonly format: boolean;
  readonly scope: boolean;
  readonly constraints: boolean;
  readonly violations: readonly PatchViolation[];
}

/**
 * The ledger's format, scope and constraint checks of a patch (SSOT §2.2 "What the checks
 * mean"), all run so that every violation is reported at once. Every name a section mentions is
 * checked: both sides of a rename or copy, header and `---`/`+++` names alike, after git quoting
 * is undone.
 *
 * - format: the text parses strictly as a unified diff (`parseDiff`). Whether it also applies is
 *   `applyCheck`, which needs a tree; the engine runs both.
 * - scope: every path satisfies `rules.allowedPaths`.
 * - constraints: no unsafe path (`pathViolations`: `.git` segments in any spelling, absolute,
 *   `..`, `.`, empty segments, backslashes, control characters); nothing `rules.forbidden`;
 *   size ≤ `rules.maxBytes`; no submodule (gitlink, mode 160000) entries; no symlink whose
 *   target is absolute, leaves the repository, points into `.git` or at a forbidden path.
 */
export function checkPatch(diff: string, rules: PatchRules): PatchCheckResult {
  const violations: PatchViolation[] = [];
  const parsed = parseDiff(diff);
  for (const p of parsed.problems) violations.push({ check: 'format', message: p.line > 0 ? `line ${p.line}: ${p.message}` : p.message });

  const bytes = Buffer.byteLength(diff, 'utf8');
  if (bytes > rules.maxBytes) violations.push({ check: 'constraints', message: `patch is ${bytes} bytes, over the limit of ${rules.maxBytes}` });

  const seen = new Set<string>();
  for (const file of parsed.files) {
    for (const path of file.names) {
      if (seen.has(path)) continue;
      seen.add(path);
      for (const message of pathViolations(path)) violations.push({ check: 'constraints', path, message });
      if (rules.forbidden(path)) violations.push({ check: 'constraints', path, message: 'matches a forbidden glob' });
      if (!rules.allowedPaths(path)) violations.push({ check: 'scope', path, message: 'outside the allowed paths' });
    }
    const path = file.newPath ?? file.oldPath ?? undefined;
    if (file.newMode === '160000' || file.oldMode === '160000') {
      violations.push({ check: 'constraints', ...(path === undefined ? {} : { path }), message: 'submodule (gitlink) entries are not accepted' });
    }
    if (file.symlinkTarget !== null && file.newPath !== null) {
      const problems = symlinkViolations(file.newPath, file.symlinkTarget);
      for (const message of problems) violations.push({ check: 'constraints', path: file.newPath, message });
      if (problems.length === 0 && rules.forbidden(resolveSymlinkTarget(file.newPath, file.symlinkTarget))) {
        violations.push({ check: 'constraints', path: file.newPath, message: `symlink pointing at a forbidden path (${JSON.stringify(file.symlinkTarget)})` });
      }
    }
  }
  const fails = (check: PatchCheck): boolean => violations.some((v) => v.check === check);
  return { format: !fails('format'), scope: !fails('scope'), constraints: !fails('constraints'), violations };
}
