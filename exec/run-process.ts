import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { InvalidProcessOptionsError, ProcessSpawnError, type SpawnFailureReason } from './errors.js';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { ATTEMPT_ENV } from './errors.js';
import { killProcessGroup } from './kill-process-group.js';
import { LineSplitter } from './line-splitter.js';
import { OutputCapture } from './output-capture.js';
import { findProgram } from './probe-sandbox.js';
import { reapTagged } from './reap-tagged.js';
import { bwrapArgv, type SandboxSpec } from './sandbox.js';

/** Default cap on the bytes kept per output stream (1 MiB). */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** Default time between SIGTERM and SIGKILL when a process group is stopped. */
export const DEFAULT_KILL_GRACE_MS = 2000;
/** Default time to wait for the pipes to reach EOF once the leader has exited and its group was killed. */
export const DEFAULT_PIPE_DRAIN_MS = 250;

/** What to run and under which limits. */
export interface RunProcessOptions {
  /** An argv array, spawned directly (no shell), or a string run by `/bin/sh -c`. */
  readonly command: readonly string[] | string;
  /** Working directory of the process. */
  readonly cwd: string;
  /** Variables set for the process, over the inherited environment; `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Start from this process's environment (default true); false starts from `env` alone. */
  readonly inheritEnv?: boolean;
  /** Deadline; when it passes the whole process group is stopped and `timedOut` is true. None by default. */
  readonly timeoutMs?: number;
  /** Bytes kept per stream (stdout and stderr apart), default 1 MiB; the rest is counted and dropped. */
  readonly maxOutputBytes?: number;
  /** Aborting stops the whole process group; the result then has `cancelled` true. */
  readonly signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL to the group on timeout or abort (default 2000 ms). */
  readonly killGraceMs?: number;
  /** How long to wait for pipe EOF after the leader exited and the group was killed (default 250 ms). */
  readonly pipeDrainMs?: number;
  /** Run inside this bubblewrap sandbox (see `bwrapArgv`); default none. */
  readonly sandbox?: SandboxSpec;
  /**
   * Tags every process of the command with `GANTRY_ATTEMPT_TAG=<tag>` (make it unique per attempt): once the leader has
   * exited, every process still carrying the tag — one that left the group by `setsid` or a double fork — is killed
   * (`reapTagged`) before the result is returned, so nothing of the command outlives it. Default none.
   */
  readonly attemptTag?: string;
  /**
   * Written to the process's standard input, which is then closed (issue 15: a task's prompt); a process that does not
   * read it is not disturbed (a broken pipe is ignored). Default none: standard input is `/dev/null`.
   */
  readonly input?: string;
  /** Called with each line of standard output as it arrives (issue 15: usage reports), besides capturing it. */
  readonly onStdoutLine?: (line: string) => void;
}

/** How a process ended and what it printed. */
export interface ProcessResult {
  /** The exit code, or null when the process was ended by a signal (or never started). */
  readonly exitCode: number | null;
  /** The signal that ended the process, or null. */
  readonly signal: NodeJS.Signals | null;
  /** The deadline passed and the group was stopped. */
  readonly timedOut: boolean;
  /** The abort signal fired and the group was stopped (or it was aborted before the start). */
  readonly cancelled: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  /** Bytes of stdout past the cap that were dropped. */
  readonly stdoutDroppedBytes: number;
  /** Bytes of stderr past the cap that were dropped. */
  readonly stderrDroppedBytes: number;
  /** Wall time from spawn to the end (monotonic clock). */
  readonly durationMs: number;
  /** Pid of the leader (also the process group id), or null when aborted before the start. */
  readonly pid: number | null;
  /** Pids of tagged processes that were still alive after the leader and its group ended, and were killed. */
  readonly strays: readonly number[];
}

/**
 * Runs a command in its own process group and resolves when it has ended; never rejects for a
 * non-zero exit, a timeout or an abort (those are in the result).
 *
 * - The leader is spawned `detached` (its own session and group); on timeout or abort the group
 *   gets SIGTERM, then SIGKILL after `killGraceMs`. When the leader exits, whatever is left of
 *   its group (background children) gets SIGKILL: a group never outlives its leader.
 * - Pipes are read to EOF for at most `pipeDrainMs` after the leader's exit; a process that
 *   left the group (`setsid`) and still holds them cannot make this hang.
 * - With `attemptTag`, processes that left the group (`setsid`, double fork) are found by their environment tag and
 *   killed before the result is returned; with `sandbox`, the command runs in bubblewrap (its PID namespace ends
 *   every process of it when the leader exits).
 * - An argv command whose program cannot be started rejects with `ProcessSpawnError`
 *   (no result: nothing ran); a string command's missing program is the shell's exit code 127.
 *   A missing `cwd` is a `ProcessSpawnError` in both forms.
 */
export async function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const limits = validate(options);
  const [file, args] = typeof options.command === 'string' ? ['/bin/sh', ['-c', options.command]] : [options.command[0]!, options.command.slice(1)];
  const start = performance.now();
  if (options.signal?.aborted) return notStarted(start);
  const env = options.inheritEnv === false ? { ...options.env } : { ...process.env, ...options.env };
  if (options.attemptTag !== undefined) env[ATTEMPT_ENV] = options.attemptTag;
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  let [spawnFile, spawnArgs] = [file, args];
  if (options.sandbox) {
    // Inside the sandbox a missing program is bwrap's own exit code: find out before, as spawn would.
    if (typeof options.command !== 'string') await assertProgram(file, options.cwd, env['PATH'] ?? '');
    [spawnFile, spawnArgs] = [options.sandbox.bwrap, bwrapArgv(options.sandbox, file, args, options.cwd)];
  }
  const child = spawn(spawnFile, spawnArgs, { cwd: options.cwd, env, detached: true, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (options.input !== undefined && child.stdin) {
    child.stdin.on('error', () => {}); // EPIPE when the process exits or closes stdin without reading it all
    child.stdin.end(options.input);
  }
  return supervise(child, { ...limits, file, cwd: options.cwd, signal: options.signal, start, attemptTag: options.attemptTag ?? null, onStdoutLine: options.onStdoutLine });
}

/** Rejects with `ProcessSpawnError` when `file` cannot be found (on `path`, or relative to `cwd`) or `cwd` is missing. */
async function assertProgram(file: string, cwd: string, path: string): Promise<void> {
  const cwdIsDir = await stat(cwd).then((st) => st.isDirectory(), () => false);
  if (!cwdIsDir) throw new ProcessSpawnError(file, cwd, 'cwd-not-found', 'ENOENT');
  const found = file.includes('/') ? findProgram(isAbsolute(file) ? file : resolvePath(cwd, file)) : findProgram(file, path);
  if (found === null) throw new ProcessSpawnError(file, cwd, 'program-not-found', 'ENOENT');
}

interface Limits {
  readonly timeoutMs: number | null;
  readonly maxOutputBytes: number;
  readonly killGraceMs: number;
  readonly pipeDrainMs: number;
}

interface Supervision extends Limits {
  readonly file: string;
  readonly cwd: string;
  readonly signal: AbortSignal | undefined;
  readonly start: number;
  readonly attemptTag: string | null;
  readonly onStdoutLine: ((line: string) => void) | undefined;
}

function supervise(child: ChildProcess, s: Supervision): Promise<ProcessResult> {
  return new Promise<ProcessResult>((resolve, reject) => {
    const out = new OutputCapture(s.maxOutputBytes);
    const err = new OutputCapture(s.maxOutputBytes);
    const timers = new Set<NodeJS.Timeout>();
    let pid: number | null = null;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let openPipes = 2;
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    let spawnFailed = false;
    let reaped = s.attemptTag === null;
    let strays: readonly number[] = [];

    const later = (ms: number, fn: () => void): void => {
      const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
      timers.add(t);
    };
    const cleanup = (): void => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      s.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      child.stdout?.destroy();
      child.stderr?.destroy();
      reject(error);
    };
    const signalGroup = (signal: NodeJS.Signals): void => {
      if (pid === null) return;
      try {
        killProcessGroup(pid, signal);
      } catch (error) {
        fail(error);
      }
    };
    const finish = (): void => {
      if (settled || exit === null || spawnFailed || !reaped) return;
      settled = true;
      cleanup();
      const o = out.result();
      const e = err.result();
      resolve({
        exitCode: exit.code, signal: exit.signal, timedOut, cancelled,
        stdout: o.text, stderr: e.text, stdoutTruncated: o.truncated, stderrTruncated: e.truncated,
        stdoutDroppedBytes: o.droppedBytes, stderrDroppedBytes: e.droppedBytes,
        durationMs: performance.now() - s.start, pid, strays,
      });
    };
    const stop = (): void => {
      signalGroup('SIGTERM');
      later(s.killGraceMs, () => signalGroup('SIGKILL'));
    };
    function onAbort(): void {
      if (exit !== null || timedOut || cancelled) return;
      cancelled = true;
      stop();
    }

    const lines = s.onStdoutLine ? new LineSplitter(s.onStdoutLine) : null;
    child.stdout!.on('data', (chunk: Buffer) => {
      out.push(chunk);
      lines?.push(chunk);
    });
    if (lines) child.stdout!.once('close', () => lines.end());
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.once('close', () => {
        openPipes -= 1;
        if (openPipes === 0) finish();
      });
    }
    child.once('spawn', () => {
      pid = child.pid ?? null;
      if (s.timeoutMs !== null) {
        later(s.timeoutMs, () => {
          if (exit !== null || cancelled) return;
          timedOut = true;
          stop();
        });
      }
      s.signal?.addEventListener('abort', onAbort, { once: true });
      if (s.signal?.aborted) onAbort();
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (pid !== null) return fail(error);
      spawnFailed = true; // nothing ran: no result, only the typed error
      void spawnError(s.file, s.cwd, error).then(fail, fail);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      for (const t of timers) clearTimeout(t);
      timers.clear();
      signalGroup('SIGKILL'); // leftovers of the group (background children) die with their leader
      if (s.attemptTag !== null) {
        // …and so do those that left the group (setsid, double fork): found by their tag, killed until none is left.
        reapTagged({ tag: s.attemptTag }).then((pids) => {
          strays = pids;
          reaped = true;
          finish();
        }, fail);
      }
      if (openPipes === 0) return finish();
      later(s.pipeDrainMs, () => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      });
    });
  });
}

async function spawnError(file: string, cwd: string, error: NodeJS.ErrnoException): Promise<ProcessSpawnError> {
  const code = error.code ?? null;
  let reason: SpawnFailureReason = code === 'EACCES' ? 'permission-denied' : code === 'ENOENT' ? 'program-not-found' : 'other';
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    const cwdIsDir = await stat(cwd).then((st) => st.isDirectory(), () => false);
    if (!cwdIsDir) reason = 'cwd-not-found';
  }
  return new ProcessSpawnError(file, cwd, reason, code, { cause: error });
}

function notStarted(start: number): ProcessResult {
  return {
    exitCode: null, signal: null, timedOut: false, cancelled: true,
    stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false,
    stdoutDroppedBytes: 0, stderrDroppedBytes: 0, durationMs: performance.now() - start, pid: null, strays: [],
  };
}

function validate(options: RunProcessOptions): Limits {
  const { command } = options;
  if (typeof command === 'string' ? command.trim() === '' : command.length === 0 || command[0] === '') {
    throw new InvalidProcessOptionsError('command', 'must be a non-empty string or a non-empty argv array');
  }
  const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value < 0) throw new InvalidProcessOptionsError(name, `must be a finite number ≥ 0, got ${value}`);
    return value;
  };
  return {
    timeoutMs: options.timeoutMs === undefined ? null : nonNegative('timeoutMs', options.timeoutMs, 0),
    maxOutputBytes: Math.floor(nonNegative('maxOutputBytes', options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES)),
    killGraceMs: nonNegative('killGraceMs', options.killGraceMs, DEFAULT_KILL_GRACE_MS),
    pipeDrainMs: nonNegative('pipeDrainMs', options.pipeDrainMs, DEFAULT_PIPE_DRAIN_MS),
  };
}
