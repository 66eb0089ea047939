/** Base of every error the git layer raises; `cause` carries the underlying error when there is one. */
export class GitError extends Error {
  override readonly name: string = 'GitError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A git command exited non-zero (or could not be started): its arguments, exit code and stderr. */
export class GitCommandError extends GitError {
  override readonly name = 'GitCommandError';
  constructor(
    /** The directory given to `git -C`. */
    readonly dir: string,
    /** The arguments after `git -C dir` and the fixed `-c` overrides. */
    readonly args: readonly string[],
    /** The exit code, or null when git did not run or was killed. */
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    const why = stderr.trim() || (options?.cause instanceof Error ? options.cause.message : '');
    super(`git ${args.join(' ')} (in ${dir}) failed with exit code ${exitCode ?? 'none'}${why ? `: ${why}` : ''}`, options);
  }
}

/** A merge stopped on conflicts; the merge was aborted, so the repository is as it was before. */
export class MergeConflictError extends GitError {
  override readonly name = 'MergeConflictError';
  constructor(
    readonly repo: string,
    readonly target: string,
    readonly source: string,
    /** Paths git reported as conflicting. */
    readonly paths: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`merging ${source} into ${target} (in ${repo}) conflicts in: ${paths.join(', ') || '(no path reported)'}; merge aborted`, options);
  }
}

/** A revert stopped on conflicts; the revert was aborted, so the branch is as it was before. */
export class RevertConflictError extends GitError {
  override readonly name = 'RevertConflictError';
  constructor(readonly dir: string, readonly sha: string, readonly paths: readonly string[], options?: { cause?: unknown }) {
    super(`reverting ${sha} (in ${dir}) conflicts in: ${paths.join(', ') || '(no path reported)'}; revert aborted`, options);
  }
}

/** `git apply` refused a patch (it does not apply to this tree); nothing was changed. */
export class PatchApplyError extends GitError {
  override readonly name = 'PatchApplyError';
  constructor(readonly dir: string, readonly reason: string, options?: { cause?: unknown }) {
    super(`patch does not apply in ${dir}: ${reason}`, options);
  }
}

/** `commitAll` found no change to commit. */
export class NothingToCommitError extends GitError {
  override readonly name = 'NothingToCommitError';
  constructor(readonly dir: string) {
    super(`nothing to commit in ${dir}`);
  }
}

/** A ref, branch or revision argument that could be read as an option (leading `-`) or is empty. */
export class InvalidGitArgumentError extends GitError {
  override readonly name = 'InvalidGitArgumentError';
  constructor(readonly argument: string, readonly value: string) {
    super(`invalid ${argument} ${JSON.stringify(value)}: must be non-empty and must not start with '-'`);
  }
}

/** A worktree's changes cannot be expressed as a UTF-8 diff (text content that is not UTF-8 and that the repository's attributes force to be diffed as text). */
export class DiffEncodingError extends GitError {
  override readonly name = 'DiffEncodingError';
  constructor(readonly worktree: string, readonly base: string, options?: { cause?: unknown }) {
    super(`the changes in ${worktree} against ${base} are not valid UTF-8 even as a binary diff`, options);
  }
}

/** Another process holds the Gantry lock on a branch (a merge or a rollback in progress) past the wait allowed. */
export class BranchLockedError extends GitError {
  override readonly name = 'BranchLockedError';
  constructor(
    readonly repo: string,
    readonly branch: string,
    /** The lock file. */
    readonly lockFile: string,
    /** What the lock file says about its holder (who, pid, host, since), or null when it could not be read. */
    readonly holder: Readonly<Record<string, unknown>> | null,
    readonly waitedMs: number,
  ) {
    const who = holder ? `${String(holder['holder'])} (pid ${String(holder['pid'])} on ${String(holder['host'])} since ${String(holder['since'])})` : 'an unknown holder';
    super(`branch ${branch} of ${repo} is locked by ${who}; waited ${waitedMs} ms. Retry when it is done, or delete ${lockFile} if that process is gone`);
  }
}

/** A git command ran longer than its timeout and was killed with its process group. */
export class GitTimeoutError extends GitError {
  override readonly name = 'GitTimeoutError';
  constructor(readonly dir: string, readonly args: readonly string[], readonly timeoutMs: number) {
    super(`git ${args.join(' ')} (in ${dir}) did not finish within ${timeoutMs} ms and was killed`);
  }
}

/** A task's working copy whose git metadata is not what Gantry made (its `.git` file, its git dir, its HEAD). */
export class WorktreeTamperedError extends GitError {
  override readonly name = 'WorktreeTamperedError';
  constructor(readonly worktree: string, readonly problem: string) {
    super(`the git metadata of ${worktree} was changed by the task: ${problem}`);
  }
}

/** The target branch moved by something other than the engine (a commit or reset made outside the ledger). */
export class TargetBranchMovedError extends GitError {
  override readonly name = 'TargetBranchMovedError';
  constructor(readonly repo: string, readonly branch: string, readonly expected: string, readonly actual: string) {
    super(`branch ${branch} of ${repo} moved outside Gantry: the engine left it at ${expected}, it is now at ${actual}; not merging over it (look at what ${expected}..${actual} holds, then reset the branch or start a new run)`);
  }
}

/**
 * Talking to the run's remote (`run.remote`) failed: unreachable, refused (authentication), timed out, or a commit
 * the engine named is not there. `operation` says what Gantry tried (`fetch`, `push`, `ls-remote`, `checkout`).
 */
export class RemoteTransportError extends GitError {
  override readonly name = 'RemoteTransportError';
  constructor(readonly url: string, readonly operation: string, readonly reason: string, options?: { cause?: unknown }) {
    super(`${operation} of remote ${url} failed: ${reason}`, options);
  }
}

/** A remote URL Gantry does not talk to: an `ext::`/`fd::` transport or an unknown scheme (it could run a program). */
export class UnsupportedRemoteError extends GitError {
  override readonly name = 'UnsupportedRemoteError';
  constructor(readonly url: string, readonly why: string) {
    super(`remote ${JSON.stringify(url)} is not supported: ${why}`);
  }
}

/** The remote's target branch moved outside Gantry: it is not at the commit the engine last left (or pushed) there. */
export class RemoteTargetMovedError extends TargetBranchMovedError {
  constructor(readonly url: string, branch: string, expected: string, actual: string | null) {
    super(url, branch, expected, actual ?? '(no such branch)');
    this.message = `branch ${branch} of remote ${url} moved outside Gantry: the engine expected it at ${expected}, it is now at ${actual ?? '(no such branch)'}; not pushing over it (fetch it and look at what it holds, then start a new run)`;
  }
}
