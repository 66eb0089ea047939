import { recomputeHash } from '../../actors/index.js';
import type { Command } from '../command.js';
import { stringOption } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { openDatabase } from '../open-database.js';

/** The port `--port` names: an integer 0–65535 (0 picks a free port). */
function portOf(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new UsageError(`--port must be an integer from 0 to 65535, not '${value}'`, 'inspect');
  return port;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `gantry inspect [--port 4600]`: serves the read-only inspection page on 127.0.0.1 until interrupted (engine.md §7.1). */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'serve the live statechart inspection page on 127.0.0.1 (read-only)',
  usage: 'inspect [--port 4600]',
  description: [
    'Serves, on 127.0.0.1 only, a page drawing the eight machines from their definitions and the entities of the',
    'database on them: runs → workstreams → tasks, patches, gates, workers and breakers with their current state,',
    'the audit history of the selected entity with its hash-chain status (hashes recomputed), a step-through',
    'slider over a run’s transitions, and live updates (the page polls for new audit rows every 500 ms).',
    'The page and its API only read. Stop it with Ctrl-C.',
    '',
    'On PostgreSQL it runs beside a running engine. The embedded PGlite database takes one process at a time',
    '(<state-dir>/pgdata.lock): there, inspect only runs while no engine holds the state directory.',
  ].join('\n'),
  options: { port: { type: 'string', short: 'p' } },
  optionHelp: { port: 'TCP port on 127.0.0.1 (default 4600; 0 picks a free one)' },
  async run(ctx) {
    const port = portOf(stringOption(ctx, 'port', '4600')!);
    // Loaded only for this command: the visualizer pulls in elkjs.
    const { startInspectServer } = await import('../../visualizer/index.js');
    const handle = await openDatabase(ctx.global, { migrate: false });
    try {
      const server = await startInspectServer({ db: handle.db, database: { kind: handle.kind, target: handle.target }, verifyHash: recomputeHash, port });
      ctx.io.out(`gantry inspect: ${server.url} (${handle.kind} ${handle.target}; read-only; Ctrl-C stops)`);
      const signal = await untilStopped();
      ctx.io.err(`gantry inspect: ${signal}, stopping`);
      await server.close();
    } finally {
      await handle.close();
    }
    return EXIT.ok;
  },
};
