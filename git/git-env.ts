/** Who commits when no author is given; set through the environment and `-c user.*` so no git config is needed. */
export const GANTRY_IDENTITY: GitIdentity = { name: 'Gantry', email: 'gantry@localhost' };

/** An author or committer. */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

/**
 * Where a git command runs. A plain string is a directory (`git -C dir`: git finds its repository the usual way). The
 * object form addresses the repository explicitly — `GIT_DIR`, `GIT_WORK_TREE` and `GIT_COMMON_DIR` — so that nothing
 * in the work tree (a `.git` file a task rewrote) or in the git dir (a `commondir` file) redirects the command to
 * another repository or branch. Gantry addresses every task's working copy this way (engine/worktree.ts).
 */
export type GitPlace = string | GitDirs;

/** The explicit directories of a linked worktree (or of a main one: `gitDir` = `commonDir`). */
export interface GitDirs {
  /** The work tree (top level) the command works on. */
  readonly workTree: string;
  /** The worktree's own git dir (`<common>/worktrees/<name>` for a linked worktree). */
  readonly gitDir: string;
  /** The repository's common git dir (objects, refs, config). */
  readonly commonDir: string;
}

/** The directory a place runs in (its work tree) and a readable name of it for errors. */
export function placeDir(place: GitPlace): string {
  return typeof place === 'string' ? place : place.workTree;
}

/**
 * `-c` settings on every invocation: they win over every configuration file, so nothing a user, a system or a task
 * wrote into a git config changes what this layer parses, runs code, or stops an unattended run. Fixed quoting and
 * prefixes, no colour; no hooks (`core.hooksPath=/dev/null`), no fsmonitor daemon, no attributes file, no excludes
 * file, no signing (nor signature checks), no rerere, no background gc; no transport (`protocol.allow=never`), no
 * credential helper, no ssh command or proxy, no pager; file-system behaviour fixed (symlinks, file modes, case,
 * line endings). Filter, diff and merge drivers a configuration names are neutralised per call ({@link driverNeutralisers}).
 */
export const GIT_CONFIG_OVERRIDES: readonly string[] = [
  'core.quotePath=true', 'color.ui=false', 'core.hooksPath=/dev/null', 'commit.gpgSign=false',
  'tag.gpgSign=false', 'diff.noprefix=false', 'diff.mnemonicPrefix=false', 'diff.relative=false',
  'diff.suppressBlankEmpty=false', 'rerere.enabled=false', 'gc.auto=0', 'maintenance.auto=false',
  'core.fsmonitor=false', 'submodule.recurse=false', 'advice.detachedHead=false',
  'core.attributesFile=/dev/null', 'core.excludesFile=/dev/null', 'core.pager=cat', 'core.editor=true',
  'sequence.editor=true', 'core.sshCommand=false', 'core.gitProxy=', 'core.askPass=', 'credential.helper=',
  'protocol.allow=never', 'gpg.program=false', 'gpg.ssh.program=false', 'gpg.x509.program=false',
  'merge.verifySignatures=false', 'merge.default=text', 'merge.stat=false', 'merge.log=false',
  'core.symlinks=true', 'core.fileMode=true', 'core.ignoreCase=false', 'core.precomposeUnicode=false',
  'core.autocrlf=false', 'core.safecrlf=false', 'core.sparseCheckout=false', 'core.splitIndex=false',
  'core.untrackedCache=false', 'core.protectNTFS=true', 'core.protectHFS=true', 'pull.rebase=false',
  'user.name=Gantry', 'user.email=gantry@localhost', 'user.useConfigOnly=false',
].flatMap((setting) => ['-c', setting]);

/** A configuration key naming a filter, diff or merge driver: `filter.<name>.clean`, `diff.<name>.textconv`, … */
const DRIVER_KEY = /^(filter|diff|merge)\.(.+)\.([a-z]+)$/is;

/**
 * The settings that disarm every filter, diff and merge driver named in `configNames` (the output of
 * `git config --list --name-only`), as key/value pairs for `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` (any subsection
 * name, even with `=` or dots): a filter's `clean`, `smudge` and `process` become empty (git then runs none) and
 * `required` false; a diff driver's `textconv` becomes `cat` and its external `command` `false` (a diff that would
 * need it fails loudly instead of running the task's program; Gantry's diffs pass `--no-ext-diff --no-textconv`);
 * a merge driver's `driver` becomes `false` (a merge needing it conflicts) and its `recursive` driver `binary`;
 * a configured `diff.external` becomes `false`.
 */
export function driverNeutralisers(configNames: readonly string[]): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  const seen = new Set<string>();
  for (const name of configNames) {
    if (name.toLowerCase() === 'diff.external' && !seen.has('diff.external')) {
      seen.add('diff.external');
      out.push(['diff.external', 'false']); // an external diff a config names: diffs needing it fail, it never runs
    }
    const m = DRIVER_KEY.exec(name);
    if (m === null) continue;
    const section = m[1]!.toLowerCase();
    const driver = m[2]!;
    if (seen.has(`${section}\0${driver}`)) continue;
    seen.add(`${section}\0${driver}`);
    const key = (k: string): string => `${section}.${driver}.${k}`;
    if (section === 'filter') out.push([key('clean'), ''], [key('smudge'), ''], [key('process'), ''], [key('required'), 'false']);
    else if (section === 'diff') out.push([key('textconv'), 'cat'], [key('command'), 'false'], [key('cachetextconv'), 'false']);
    else out.push([key('driver'), 'false'], [key('recursive'), 'binary']);
  }
  return out;
}

/** `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` variables carrying `pairs`. */
export function configEnv(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(pairs.length) };
  pairs.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

/**
 * The environment of every git command: the caller's, cleared of inherited `GIT_*` variables (a caller running inside
 * a git hook must not redirect us to its repository), C locale, no prompt, no system or global configuration
 * (`GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null`), no system attributes (`GIT_ATTR_NOSYSTEM`), the Gantry
 * identity, no pager or editor, and the explicit directories of `place` when it is a {@link GitDirs}.
 */
export function gitEnv(place: GitPlace): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  Object.assign(env, identityEnv('AUTHOR', GANTRY_IDENTITY), identityEnv('COMMITTER', GANTRY_IDENTITY), {
    LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1', GIT_PAGER: 'cat', GIT_EDITOR: 'true', GIT_SEQUENCE_EDITOR: 'true', GIT_ASKPASS: '',
    GIT_NO_REPLACE_OBJECTS: '1', GIT_OPTIONAL_LOCKS: '0',
  });
  if (typeof place !== 'string') Object.assign(env, { GIT_DIR: place.gitDir, GIT_WORK_TREE: place.workTree, GIT_COMMON_DIR: place.commonDir });
  return env;
}

/** `GIT_AUTHOR_*` or `GIT_COMMITTER_*` variables for an identity. */
export function identityEnv(role: 'AUTHOR' | 'COMMITTER', identity: GitIdentity): Record<string, string> {
  return { [`GIT_${role}_NAME`]: identity.name, [`GIT_${role}_EMAIL`]: identity.email };
}
