import { serveMetrics } from '../../ops/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { openDatabase } from '../open-database.js';

/** `gantry metrics [--port 9464]`: serves Prometheus metrics read from the database on 127.0.0.1 until stopped. */
export const metricsCommand: Command = {
  name: 'metrics',
  summary: 'serve Prometheus /metrics on 127.0.0.1 (default port 9464), read from the database',
  usage: 'metrics [--port 9464]',
  options: { port: { type: 'string' } },
  optionHelp: { port: 'TCP port on 127.0.0.1 (0: any free port); default 9464' },
  async run(ctx) {
    positionalArgs(ctx, []);
    const p = stringOption(ctx, 'port', '9464')!;
    if (!/^[0-9]+$/.test(p) || Number(p) > 65535) throw new UsageError(`--port must be 0–65535, got '${p}'`, ctx.command);
    const handle = await openDatabase(ctx.global, { existing: true });
    const server = await serveMetrics(handle.db, { port: Number(p) }).catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    ctx.io.out(`metrics on ${server.url}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    await handle.close();
    return EXIT.ok;
  },
};
