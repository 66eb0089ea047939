import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GitCommandError, GitTimeoutError, InvalidGitArgumentError } from './errors.js';
import { configEnv, driverNeutralisers, GIT_CONFIG_OVERRIDES, gitEnv, placeDir, type GitPlace } from './git-env.js';

export { GANTRY_IDENTITY, GIT_CONFIG_OVERRIDES, identityEnv, type GitDirs, type GitIdentity, type GitPlace } from './git-env.js';

/** How to run one git command. */
export interface RunGitOptions {
  /** Written to git's stdin (a patch for `git apply`). */
  readonly input?: string;
  /** Extra environment variables (`GIT_INDEX_FILE`, an author identity). */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that are answers rather than failures (e.g. 1 for `rev-parse --verify --quiet`). */
  readonly okExitCodes?: readonly number[];
  /** Longest the command may take before it is killed (a `GitTimeoutError`); default {@link gitTimeoutMs}. */
  readonly timeoutMs?: number;
}

/** What a git command printed and how it exited. */
export interface GitOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

const MAX_BUFFER = 512 * 1024 * 1024;
/** Largest timeout a timer can hold (2^31 - 1 ms). */
const MAX_TIMEOUT_MS = 2_147_483_647;
let defaultTimeoutMs: number | null = null;

/**
 * The timeout of a git command when none is given: set by {@link setGitTimeoutMs}, else the environment variable
 * `GANTRY_GIT_TIMEOUT_MS`, else 120,000 ms.
 */
export function gitTimeoutMs(): number {
  if (defaultTimeoutMs !== null) return defaultTimeoutMs;
  const fromEnv = Number(process.env['GANTRY_GIT_TIMEOUT_MS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? Math.min(fromEnv, MAX_TIMEOUT_MS) : 120_000;
}

/** Sets the default git timeout of this process (`null`: back to the environment / 120 s default). */
export function setGitTimeoutMs(ms: number | null): void {
  if (ms !== null && !(Number.isInteger(ms) && ms > 0 && ms <= MAX_TIMEOUT_MS)) throw new RangeError(`git timeout must be an integer in 1..${MAX_TIMEOUT_MS} ms, got ${ms}`);
  defaultTimeoutMs = ms;
}

/**
 * Runs `git <overrides> ...args` at `place` (never through a shell) under Gantry's own configuration
 * (git-env.ts): no system or global config, the fixed `-c` overrides, and every filter/diff/merge driver that the
 * repository's configuration names disarmed — read with `git config --list` at the same place (again whenever a
 * config file changed, every time when it includes others), so a driver a task planted in `.git/config` (or an
 * included file) never runs. The command is killed (with its process group)
 * after the timeout: a `GitTimeoutError`. A non-zero exit code not listed in `okExitCodes` is a `GitCommandError`.
 */
export async function runGit(place: GitPlace, args: readonly string[], options: RunGitOptions = {}): Promise<GitOutput> {
  const timeoutMs = options.timeoutMs ?? gitTimeoutMs();
  return spawnGit(place, args, configEnv(await neutralisers(place, timeoutMs)), { ...options, timeoutMs });
}

/** Driver settings read last, per place, with the identity of the config files then (no include: nothing else counts). */
const readings = new Map<string, { readonly stamp: string; readonly pairs: Array<readonly [string, string]> }>();

/** The config files of `place` whose identity (inode, size, mtime in ns) says the configuration did not change; null: unknown. */
async function configStamp(place: GitPlace): Promise<string | null> {
  const files = typeof place === 'string' ? [join(place, '.git', 'config'), join(place, '.git', 'config.worktree')] : [join(place.commonDir, 'config'), join(place.gitDir, 'config.worktree')];
  if (typeof place === 'string' && !(await stat(join(place, '.git')).then((s) => s.isDirectory(), () => false))) return null;
  const parts: string[] = [];
  for (const f of files) parts.push(await stat(f, { bigint: true }).then((s) => `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`, () => 'none'));
  return parts.join('|');
}

/**
 * The settings disarming the drivers the configuration at `place` names (`git config --list`, includes followed).
 * Read again whenever a config file changed; a configuration with `include`s is read on every call.
 */
async function neutralisers(place: GitPlace, timeoutMs: number): Promise<Array<readonly [string, string]>> {
  const key = typeof place === 'string' ? place : `${place.gitDir}\0${place.workTree}\0${place.commonDir}`;
  const stamp = await configStamp(place);
  const known = readings.get(key);
  if (stamp !== null && known?.stamp === stamp) return known.pairs;
  const names = await spawnGit(place, ['config', '--list', '--name-only', '-z'], {}, { okExitCodes: [1, 128], timeoutMs });
  const list = names.exitCode === 0 ? names.stdout.split('\0').filter((n) => n !== '') : [];
  const pairs = driverNeutralisers(list);
  const includes = list.some((n) => /^include(if)?\./i.test(n));
  if (stamp !== null && !includes && names.exitCode === 0) readings.set(key, { stamp, pairs });
  else readings.delete(key);
  return pairs;
}

function spawnGit(place: GitPlace, args: readonly string[], extraEnv: Record<string, string>, options: RunGitOptions & { timeoutMs: number }): Promise<GitOutput> {
  const dir = placeDir(place);
  const env = { ...gitEnv(place), ...extraEnv, ...options.env };
  const argv = [...(typeof place === 'string' ? ['-C', dir] : []), ...GIT_CONFIG_OVERRIDES, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn('git', argv, { cwd: dir, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: Error | null = null;
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is gone already: at least the child itself
      }
    };
    const timer = setTimeout(() => {
      failure ??= new GitTimeoutError(dir, args, options.timeoutMs);
      kill();
    }, Math.min(options.timeoutMs, MAX_TIMEOUT_MS));
    const collect = (into: Buffer[]) => (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_BUFFER) {
        failure ??= new GitCommandError(dir, args, null, `output over ${MAX_BUFFER} bytes`);
        kill();
      } else into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (error) => {
      failure ??= new GitCommandError(dir, args, null, '', { cause: error });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (failure !== null) return reject(failure);
      if (code === 0 || (code !== null && options.okExitCodes?.includes(code))) {
        const bytes = Buffer.concat(out);
        resolve({ exitCode: code, stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr });
      } else reject(new GitCommandError(dir, args, code, stderr));
    });
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      // git exiting before it read all its input shows up as EPIPE here and as its exit code above.
      if (error.code !== 'EPIPE') failure ??= new GitCommandError(dir, args, null, '', { cause: error });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Throws `InvalidGitArgumentError` for a ref-like argument that is empty or could be read as an option. */
export function assertRefArgument(argument: string, value: string): void {
  if (value === '' || value.startsWith('-') || value.includes('\0')) throw new InvalidGitArgumentError(argument, value);
}
