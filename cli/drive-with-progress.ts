import type { CommittedTransition, PersistedActors } from '../actors/index.js';
import { RunInterruptedError, runStatus, type EngineOptions, type RunStatus } from '../engine/index.js';
import { isFailureState } from '../machines/index.js';
import { entityReason } from '../ops/entity-reasons.js';
import { explainStatus } from './explain-status.js';
import { committedReason } from './committed-reason.js';
import { runSummary } from './run-summary.js';
import { join, resolve } from 'node:path';
import { DEFAULT_STATE_DIR, resolveDatabaseOptions, type DatabaseHandle } from '../persistence/index.js';
import type { CommandContext } from './command.js';
import { EXIT } from './errors.js';
import { withActors } from './open-database.js';
import type { OptionsConfig } from './command.js';
import { colorAllowed, ProgressScreen } from './progress-screen.js';
import { drivePorts, startRunServers } from './progress-servers.js';

/** Options shared by `gantry run` and `gantry resume` (the commands that drive a run), spread into their option tables. */
export const driveOptions: OptionsConfig = {
  'metrics-port': { type: 'string' },
  'inspect-port': { type: 'string' },
};

/** Help lines of {@link driveOptions}. */
export const driveOptionHelp: Readonly<Record<string, string>> = {
  'metrics-port': 'serve Prometheus /metrics on 127.0.0.1:PORT while the run executes (0: any free port)',
  'inspect-port': 'serve the live inspection page on 127.0.0.1:PORT while the run executes (0: any free port)',
};

/** One progress line per state change (internal transitions such as heartbeats and breaker counts are not shown), with why when its state needs explaining. */
export function progressLine(t: CommittedTransition, reason: string | null = committedReason(t)): string | null {
  if (t.from === t.to) return null;
  return `${t.entityType.padEnd(15)} ${t.id}: ${t.from} → ${t.to} (${t.event})${reason ? ` — ${reason}` : ''}`;
}

/** Where the live view draws: the terminal standard output is, or null when it is not one (plain lines then). */
export interface ProgressTerminal {
  readonly write: (text: string) => void;
  readonly columns: () => number;
  readonly rows?: () => number;
}

/** Standard output when it is a terminal (issue 4: a redrawn view there), else null. */
function stdoutTerminal(): ProgressTerminal | null {
  if (!process.stdout.isTTY) return null;
  return { write: (text) => void process.stdout.write(text), columns: () => process.stdout.columns || 80, rows: () => process.stdout.rows || 24 };
}

/**
 * Follows a run's committed transitions (`actors.subscribe`): a redrawn view on a terminal ({@link ProgressScreen}),
 * one line per state change otherwise, nothing under `--json`; the engine's notes go under the live view, else to
 * standard error.
 */
function followProgress(ctx: CommandContext, actors: PersistedActors, handle: DatabaseHandle, terminal: ProgressTerminal | null): Following {
  const toStderr = (line: string) => ctx.io.err(`gantry: ${line}`);
  if (ctx.global.json) return { stop: () => undefined, note: toStderr };
  if (terminal === null) {
    // A task or workstream that failed is explained from the database (its gates' output, its failed tasks), one line
    // after the other: the lines keep the order of the transitions. Any other line is printed at once, in the commit's
    // own callback, unless an explained one is still pending before it.
    let chain: Promise<void> = Promise.resolve();
    let pending = 0;
    const off = actors.subscribe((t) => {
      if (t.from === t.to) return;
      const deep = (t.entityType === 'task' || t.entityType === 'workstream') && isFailureState(t.entityType, t.to);
      if (!deep && pending === 0) {
        const line = progressLine(t, committedReason(t));
        if (line) ctx.io.out(line);
        return;
      }
      pending++;
      chain = chain.then(async () => {
        const reason = deep ? ((await entityReason(handle.db, t.entityType, t.id).catch((err: unknown) => {
              toStderr(`reason of ${t.entityType} ${t.id}: ${err instanceof Error ? err.message : String(err)}`);
              return null;
            })) ?? committedReason(t)) : committedReason(t);
        const line = progressLine(t, reason);
        if (line) ctx.io.out(line);
      }).catch((err: unknown) => {
        // A line that cannot be explained is said on standard error; the lines after it still come.
        toStderr(`progress line of ${t.entityType} ${t.id}: ${err instanceof Error ? err.message : String(err)}`);
      }).finally(() => {
        pending--;
      });
    });
    return {
      stop: async () => {
        off();
        await chain;
      },
      note: toStderr,
    };
  }
  const screen = new ProgressScreen({
    write: terminal.write,
    columns: terminal.columns,
    ...(terminal.rows ? { rows: terminal.rows } : {}),
    color: colorAllowed(),
    load: (runId) => runStatus(handle.db, runId),
    onError: (err) => ctx.io.err(`gantry: progress view: ${err instanceof Error ? err.message : String(err)}`),
  });
  const off = actors.subscribe((t) => screen.onTransition(t));
  return {
    stop: () => {
      off();
      screen.stop();
    },
    note: (line) => screen.note(line),
  };
}

/** A followed run: stop following it; show one of the engine's notes (standard error, or under the live view). */
interface Following {
  readonly stop: () => void | Promise<void>;
  readonly note: (line: string) => void;
}

/**
 * Runs `drive` (a run or a resume) with persisted actors, showing its progress — a live view redrawn in place when
 * standard output is a terminal, else one line per state change, nothing but the final JSON under `--json` — and the
 * summary. `--metrics-port` / `--inspect-port` serve `/metrics` and the live inspection page for the duration of the
 * run (validated first: a bad port is a usage error, exit 2, before anything is opened). Ctrl-C (SIGINT) asks the
 * engine to stop after its current step, leaving the run resumable, and the command then exits 1 saying how to
 * resume. On the embedded PGlite its first line (standard error) says that the database is being opened, and the next
 * how long that took. Returns the exit code (0 succeeded, 1 otherwise). `terminal` overrides the detection of a terminal.
 */
export async function driveWithProgress(
  ctx: CommandContext,
  drive: (actors: PersistedActors, handle: DatabaseHandle, options: EngineOptions) => Promise<RunStatus>,
  terminal: ProgressTerminal | null = stdoutTerminal(),
): Promise<number> {
  const ports = drivePorts(ctx);
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) return;
    ctx.io.err('gantry: stopping after the current step (Ctrl-C) …');
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    // Opening the embedded database takes seconds (PGlite starts; a new data directory is created): progress the user sees.
    const where = resolveDatabaseOptions({ db: ctx.global.db ?? undefined, stateDir: ctx.global.stateDir });
    const opening = performance.now();
    if ('stateDir' in where) ctx.io.err(`gantry: opening the embedded database at ${join(resolve(where.stateDir ?? DEFAULT_STATE_DIR), 'pgdata')} …`);
    const status = await withActors(ctx.global, async (actors, handle) => {
      if ('stateDir' in where) ctx.io.err(`gantry: embedded database open (${((performance.now() - opening) / 1000).toFixed(1)} s)`);
      const servers = await startRunServers(ctx, actors, handle, ports);
      const following = followProgress(ctx, actors, handle, terminal);
      try {
        const status = await drive(actors, handle, { stateDir: ctx.global.stateDir, signal: stop.signal, onNote: following.note });
        return await explainStatus(handle.db, status);
      } finally {
        await following.stop();
        await servers.close();
      }
    });
    ctx.io.out(ctx.global.json ? JSON.stringify(status, null, 2) : runSummary(status));
    return status.state === 'succeeded' ? EXIT.ok : EXIT.refused;
  } catch (err) {
    if (!(err instanceof RunInterruptedError)) throw err;
    ctx.io.err(`gantry: ${err.message}`);
    return EXIT.refused;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
