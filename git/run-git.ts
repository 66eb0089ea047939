import { execFile } from 'node:child_process';
import { GitCommandError, InvalidGitArgumentError } from './errors.js';

/** Who commits when no author is given; set through the environment so no git config is needed. */
export const GANTRY_IDENTITY: GitIdentity = { name: 'Gantry', email: 'gantry@localhost' };

/** An author or committer. */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

/**
 * `-c` settings on every invocation, so that a user's or system's git config cannot change the
 * output this layer parses or stop an unattended run: fixed quoting and prefixes, no colour,
 * no hooks, no signing prompts, no rerere auto-resolution, no background gc or fsmonitor daemons.
 */
export const GIT_CONFIG_OVERRIDES: readonly string[] = [
  'core.quotePath=true', 'color.ui=false', 'core.hooksPath=/dev/null', 'commit.gpgSign=false',
  'tag.gpgSign=false', 'diff.noprefix=false', 'diff.mnemonicPrefix=false', 'diff.relative=false',
  'diff.suppressBlankEmpty=false', 'rerere.enabled=false', 'gc.auto=0', 'maintenance.auto=false',
  'core.fsmonitor=false', 'submodule.recurse=false', 'advice.detachedHead=false',
].flatMap((setting) => ['-c', setting]);

/** How to run one git command. */
export interface RunGitOptions {
  /** Written to git's stdin (a patch for `git apply`). */
  readonly input?: string;
  /** Extra environment variables (`GIT_INDEX_FILE`, an author identity). */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that are answers rather than failures (e.g. 1 for `rev-parse --verify --quiet`). */
  readonly okExitCodes?: readonly number[];
}

/** What a git command printed and how it exited. */
export interface GitOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

const MAX_BUFFER = 512 * 1024 * 1024;

/**
 * Runs `git -C dir <overrides> ...args` with execFile (never a shell) under the fixed identity,
 * C locale and an environment cleared of inherited `GIT_*` variables (a caller running inside a
 * git hook must not redirect us to its repository). A non-zero exit code not listed in
 * `okExitCodes` is a `GitCommandError`.
 */
export function runGit(dir: string, args: readonly string[], options: RunGitOptions = {}): Promise<GitOutput> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  Object.assign(env, identityEnv('AUTHOR', GANTRY_IDENTITY), identityEnv('COMMITTER', GANTRY_IDENTITY), {
    LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1',
  }, options.env);
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['-C', dir, ...GIT_CONFIG_OVERRIDES, ...args], { env, encoding: 'buffer', maxBuffer: MAX_BUFFER }, (error, stdout, stderr) => {
      const err = stderr.toString('utf8');
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      if (code === 0 || (code !== null && options.okExitCodes?.includes(code))) {
        resolve({ exitCode: code, stdout: stdout.toString('utf8'), stdoutBytes: stdout, stderr: err });
      } else {
        reject(new GitCommandError(dir, args, code, err, { cause: error }));
      }
    });
    child.stdin?.on('error', (error: NodeJS.ErrnoException) => {
      // git exiting before it read all its input shows up as EPIPE here and as its exit code above.
      if (error.code !== 'EPIPE') reject(new GitCommandError(dir, args, null, '', { cause: error }));
    });
    child.stdin?.end(options.input ?? '');
  });
}

/** `GIT_AUTHOR_*` or `GIT_COMMITTER_*` variables for an identity. */
export function identityEnv(role: 'AUTHOR' | 'COMMITTER', identity: GitIdentity): Record<string, string> {
  return { [`GIT_${role}_NAME`]: identity.name, [`GIT_${role}_EMAIL`]: identity.email };
}

/** Throws `InvalidGitArgumentError` for a ref-like argument that is empty or could be read as an option. */
export function assertRefArgument(argument: string, value: string): void {
  if (value === '' || value.startsWith('-') || value.includes('\0')) throw new InvalidGitArgumentError(argument, value);
}
