import { recomputeHash } from '../../actors/index.js';
import { runReasons } from '../../ops/index.js';
import type { Command } from '../command.js';
import { stringOption } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { openDatabase } from '../open-database.js';
import { resolveDatabaseOptions } from '../../persistence/index.js';

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

/** `gantry inspect [--port 4600]`: serves the read-only inspection page on 127.0.0.1 until interrupted (docs/design/engine.md §7.1). */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'serve the live statechart inspection page on 127.0.0.1 (read-only)',
  usage: 'inspect [--port 4600]',
  description: [
    'Serves, on 127.0.0.1 only, a page built around runs: the runs list; a run’s graph (workstreams, tasks in',
    'dependency order, their gates and patches) coloured by state (failures red), its counts, a timeline of attempts',
    '(start, end, duration, retries) and a panel for the chosen entity (state, why it is in it, audit history with',
    'hash-chain status, hashes recomputed, and what its attempts printed). A slider moves the whole run view to any',
    'point of the run. Every run and entity has a URL (#/runs/RUN, #/runs/RUN/entities/TYPE/ID); the eight machines,',
    'drawn from their definitions, have their own view (#/machines/TYPE/STATE highlights a state). The page and its API only read.',
    'Stop it with Ctrl-C.',
    '',
    'Live updates: on PostgreSQL, inspect LISTENs on gantry_transitions (notified on commit by every process',
    'writing the schema: engines, resumes, overrides) and pushes a notice to the page over a WebSocket (/live on',
    'the same port); the page then fetches the new audit rows. The page reconnects by itself (backoff up to 8 s)',
    'and polls every 500 ms while it has no notices; the header shows which. `gantry run|resume --inspect-port N`',
    'serves the same page from the engine itself, fed by its committed transitions.',
    '',
    'On PostgreSQL it runs beside a running engine. The embedded PGlite database takes one process at a time',
    '(<state-dir>/pgdata.lock): while an engine holds it, inspect reads it through the socket the engine serves in',
    'the state directory (<state-dir>/.s.PGSQL.5432, read-only), and the page polls (--inspect-port on the engine',
    'pushes live notices instead).',
  ].join('\n'),
  options: { port: { type: 'string', short: 'p' } },
  optionHelp: { port: 'TCP port on 127.0.0.1 (default 4600; 0 picks a free one)' },
  async run(ctx) {
    const port = portOf(stringOption(ctx, 'port', '4600')!);
    // Loaded only for this command: the visualizer pulls in elkjs.
    const { startInspectServer } = await import('../../visualizer/index.js');
    const handle = await openDatabase(ctx.global, { migrate: false, existing: true });
    try {
      // docs/design/engine.md §7.1: on PostgreSQL the live feed LISTENs on a dedicated connection to the same URL and schema.
      const where = resolveDatabaseOptions({ db: ctx.global.db ?? undefined, stateDir: ctx.global.stateDir });
      const listen = handle.kind === 'postgres' && 'url' in where ? { url: where.url, schema: handle.schema } : null;
      const database = { kind: handle.kind, target: handle.target };
      const reasons = async (runId: string) => (await runReasons(handle.db, runId)).all;
      const server = await startInspectServer({ db: handle.db, database, verifyHash: recomputeHash, reasons, port, listen, log: (line) => ctx.io.err(line) });
      ctx.io.out(`gantry inspect: ${server.url} (${handle.kind} ${handle.target}; live: ${server.live}; read-only; Ctrl-C stops)`);
      const signal = await untilStopped();
      ctx.io.err(`gantry inspect: ${signal}, stopping`);
      await server.close();
    } finally {
      await handle.close();
    }
    return EXIT.ok;
  },
};
