import { GitCommandError, GitTimeoutError, RemoteTransportError, UnsupportedRemoteError } from './errors.js';
import { assertRefArgument, runGit, type GitOutput, type GitPlace } from './run-git.js';

/** The transports a `run.remote` may use; everything else (`ext::`, `fd::`, an unknown scheme) is refused. */
export const REMOTE_SCHEMES: readonly string[] = ['file', 'ssh', 'git', 'http', 'https'];

/**
 * The transport git uses for `url`: `file` for a local path or `file://` URL, `ssh` for `ssh://` and the scp-like
 * `user@host:path`, else the URL's scheme (`https`, `http`, `git`). An `UnsupportedRemoteError` for a
 * `<transport>::<address>` (ext::, fd::: they run programs) or a scheme not in {@link REMOTE_SCHEMES}.
 */
export function remoteScheme(url: string): string {
  if (url === '' || url.startsWith('-') || url.includes('\0') || /[\r\n]/.test(url)) throw new UnsupportedRemoteError(url, 'empty, starting with "-" or holding a control character');
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url)) throw new UnsupportedRemoteError(url, `the ${url.split('::')[0]}:: transport runs programs; use a path, file://, ssh://, git:// or https:// URL`);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  let scheme: string;
  if (m) scheme = m[1]!.toLowerCase().replace(/^(git\+ssh|ssh\+git)$/, 'ssh');
  else if (/^[^/]+:/.test(url) && !url.startsWith('.')) scheme = 'ssh'; // scp-like user@host:path (a `:` before any `/`)
  else scheme = 'file';
  if (!REMOTE_SCHEMES.includes(scheme)) throw new UnsupportedRemoteError(url, `scheme '${scheme}' is not one of ${REMOTE_SCHEMES.join(', ')}`);
  return scheme;
}

/**
 * The `-c` settings that let one git command reach `url` — and only that transport — on top of Gantry's hardened
 * configuration (git/git-env.ts sets `protocol.allow=never`): `protocol.<scheme>.allow=always`, and for ssh a plain
 * `ssh` that never prompts (BatchMode: a missing key fails at once with ssh's reason). Given for the fetch and push of
 * the configured remote only, never for a command a task could steer.
 */
export function remoteTransportArgs(url: string): string[] {
  const scheme = remoteScheme(url);
  const args = ['-c', `protocol.${scheme}.allow=always`];
  if (scheme === 'ssh') args.push('-c', 'core.sshCommand=ssh -o BatchMode=yes');
  return args;
}

/** How long a fetch, push or ls-remote of the remote may take: `GANTRY_REMOTE_TIMEOUT_MS`, else 120,000 ms. */
export function remoteTimeoutMs(): number {
  const fromEnv = Number(process.env['GANTRY_REMOTE_TIMEOUT_MS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 120_000;
}

/** Runs one git command that talks to `url`; a failure or timeout becomes a `RemoteTransportError` with git's reason. */
async function talk(place: GitPlace, url: string, operation: string, args: readonly string[], timeoutMs?: number, okExitCodes?: readonly number[]): Promise<GitOutput> {
  const pre = remoteTransportArgs(url);
  try {
    return await runGit(place, [...pre, ...args], { timeoutMs: timeoutMs ?? remoteTimeoutMs(), ...(okExitCodes ? { okExitCodes } : {}) });
  } catch (err) {
    if (err instanceof GitTimeoutError) throw new RemoteTransportError(url, operation, `no answer within ${err.timeoutMs} ms`, { cause: err });
    if (err instanceof GitCommandError) throw new RemoteTransportError(url, operation, err.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(0, 4).join(' ') || `git exit code ${err.exitCode ?? 'none'}`, { cause: err });
    throw err;
  }
}

/** `git fetch --no-tags <url> <refspecs>` at `place` (the repository fetched into), with a timeout. */
export async function fetchFromRemote(place: GitPlace, url: string, refspecs: readonly string[], opts: { timeoutMs?: number; updateHeadOk?: boolean } = {}): Promise<void> {
  for (const r of refspecs) assertRefArgument('refspec', r);
  await talk(place, url, 'fetch', ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--recurse-submodules=no', ...(opts.updateHeadOk ? ['--update-head-ok'] : []), '--end-of-options', url, ...refspecs], opts.timeoutMs);
}

/**
 * `git push <url> <refspecs>` from `place`, with a timeout. With `lease` (`{ ref, expected }`) the remote ref is only
 * updated while it is still at `expected` (`--force-with-lease`; null expected: the ref must not exist).
 */
export async function pushToRemote(place: GitPlace, url: string, refspecs: readonly string[], opts: { timeoutMs?: number; lease?: { ref: string; expected: string | null } } = {}): Promise<void> {
  for (const r of refspecs) assertRefArgument('refspec', r);
  const lease = opts.lease ? [`--force-with-lease=${opts.lease.ref}:${opts.lease.expected ?? ''}`] : [];
  await talk(place, url, 'push', ['push', '--quiet', '--no-verify', ...lease, '--end-of-options', url, ...refspecs], opts.timeoutMs);
}

/** The commit branch `branch` of the remote is at, or null when the remote has no such branch. */
export async function remoteBranchHead(place: GitPlace, url: string, branch: string, opts: { timeoutMs?: number } = {}): Promise<string | null> {
  assertRefArgument('branch', branch);
  const ref = `refs/heads/${branch}`;
  const out = await talk(place, url, 'ls-remote', ['ls-remote', '--heads', '--end-of-options', url, ref], opts.timeoutMs);
  for (const line of out.stdout.split('\n')) {
    const [sha, name] = line.split('\t');
    if (name === ref && sha) return sha;
  }
  return null;
}
