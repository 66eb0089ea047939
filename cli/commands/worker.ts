import { resolve } from 'node:path';
import { runWorkerProcess } from '../../engine/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { withActors } from '../open-database.js';

/** `--pool` values: a repeated option or a comma-separated list. */
function poolsOf(value: unknown): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** `gantry worker`: a worker process joining the pools of the runs in a shared PostgreSQL database (docs/design/plan.md). */
export const workerCommand: Command = {
  name: 'worker',
  summary: 'a worker process joining the pools of the runs in the database (scale-out)',
  usage: 'worker [--db URL] [--work-dir DIR] [--name NAME] [--pool ID]… [--run RUN_ID] [--poll-ms 200]',
  description: [
    'Joins every live run in the database (a run whose engine — `gantry run` or `gantry resume` — is alive) as one',
    'more worker of each of its pools: worker `<run>.<pool>.w-<name>` with the pool\'s capabilities, capacity and',
    'affinity. It beats every heartbeat interval, claims the queued tasks its workers may take (FOR UPDATE SKIP',
    'LOCKED: the engine and every other worker process never get the same task) and runs their commands in the',
    'run\'s worktrees; the engine validates, gates and merges. A worker that stops beating is declared lost by the',
    'engine after two missed beats: its tasks fail and retry elsewhere (SSOT §1.5). Heartbeats carry the worker host\'s',
    'clock and are judged by the engine\'s: hosts must keep their clocks in sync (NTP).',
    '',
    'Needs a shared PostgreSQL (--db URL or DATABASE_URL): the embedded PGlite takes one process at a time. Tasks run',
    'in the engine\'s state directory, which must be reachable at the same path (the same machine, or a shared',
    'mount; the engine leaves a marker there that the worker checks); other runs are not joined — unless the plan has',
    '`run.remote` (issue 16): then the worker shares no folder with the engine. With --work-dir DIR it clones the',
    'remote into DIR, checks out the commit the engine names for each attempt, runs the task there and hands its diff',
    'back through the database; without --work-dir such runs are not joined. Ctrl-C or SIGTERM: no',
    'new claims, the tasks in flight finish (heartbeats go on meanwhile), the workers shut down, exit 0; a second one',
    'stops at once (exit 130: the engine then declares the workers lost and their tasks retry elsewhere).',
  ].join('\n'),
  options: { 'work-dir': { type: 'string' }, name: { type: 'string' }, pool: { type: 'string', multiple: true }, run: { type: 'string' }, 'poll-ms': { type: 'string' } },
  optionHelp: {
    'work-dir': 'this process\'s own folder for runs with run.remote: its clones of the remote (default: such runs are not joined)',
    name: 'this process\'s name in its worker ids (default <host>-<pid>)',
    pool: 'join only this pool (repeatable, or comma-separated; default every pool)',
    run: 'join only this run (default every live run)',
    'poll-ms': 'how often to look for runs and tasks, in ms (default 200)',
  },
  async run(ctx) {
    positionalArgs(ctx, []);
    const pollText = stringOption(ctx, 'poll-ms', '200')!;
    if (!/^[0-9]+$/.test(pollText) || Number(pollText) < 10 || Number(pollText) > 60_000) throw new UsageError(`--poll-ms must be 10–60000, got '${pollText}'`, ctx.command);
    const name = stringOption(ctx, 'name');
    const runId = stringOption(ctx, 'run');
    const workDir = stringOption(ctx, 'work-dir');
    if (!ctx.global.db && !process.env['DATABASE_URL']) {
      throw new UsageError('gantry worker needs a shared PostgreSQL database (--db URL or DATABASE_URL); the embedded PGlite takes one process at a time', ctx.command);
    }
    const stop = new AbortController();
    const onSignal = (signal: string) => {
      if (stop.signal.aborted) {
        // A second signal: stop now; the engine declares the workers lost and their tasks retry elsewhere.
        ctx.io.err(`gantry worker: ${signal} again: stopping now, without waiting for the tasks in flight`);
        process.exit(130);
      }
      ctx.io.err(`gantry worker: ${signal}: finishing the tasks in flight, then shutting down …`);
      stop.abort();
    };
    const onInt = () => onSignal('SIGINT');
    const onTerm = () => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    try {
      const summary = await withActors(ctx.global, (actors, handle) =>
        runWorkerProcess(actors, handle.db, {
          ...(name ? { name } : {}),
          pools: poolsOf(ctx.options['pool']),
          ...(runId ? { runId } : {}),
          ...(workDir ? { workDir: resolve(workDir) } : {}),
          pollMs: Number(pollText),
          signal: stop.signal,
          onNote: (line) => ctx.io.out(line),
        }),
      );
      ctx.io.out(ctx.global.json ? JSON.stringify(summary) : `gantry worker ${summary.name}: ${summary.tasksRun} task attempt(s) in ${summary.runsJoined.length} run(s)`);
      return EXIT.ok;
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
  },
};
