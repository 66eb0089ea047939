import { recomputeHash, type PersistedActors } from '../actors/index.js';
import { runReasons, serveMetrics } from '../ops/index.js';
import type { DatabaseHandle } from '../persistence/index.js';
import type { CommandContext } from './command.js';
import { stringOption } from './command.js';
import { UsageError } from './errors.js';

/** The ports `--metrics-port` / `--inspect-port` name (null when absent). */
export interface DrivePorts {
  readonly metrics: number | null;
  readonly inspect: number | null;
}

/** The port option `name` of a run/resume command: an integer 0–65535 (0 picks a free port), or a usage error (exit 2). */
function portOption(ctx: CommandContext, name: string): number | null {
  const value = stringOption(ctx, name);
  if (value === null) return null;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) throw new UsageError(`--${name} must be an integer from 0 to 65535, not '${value}'`, ctx.command);
  return Number(value);
}

/** Reads and validates `--metrics-port` and `--inspect-port` (before anything is opened or written). */
export function drivePorts(ctx: CommandContext): DrivePorts {
  return { metrics: portOption(ctx, 'metrics-port'), inspect: portOption(ctx, 'inspect-port') };
}

/** Servers started for the duration of one run; `close` stops all of them. */
export interface RunServers {
  close(): Promise<void>;
}

/**
 * Starts what the ports ask for, for the duration of a run or resume, and prints their URLs to standard error:
 * Prometheus `/metrics` from ops/ (read from the database), and the inspection page from visualizer/ — loaded only
 * when asked (it pulls in elkjs) and fed live by this process's committed transitions (`actors.subscribe`). A server
 * that fails to start stops the ones already started and rethrows.
 */
export async function startRunServers(ctx: CommandContext, actors: PersistedActors, handle: DatabaseHandle, ports: DrivePorts): Promise<RunServers> {
  const started: { close(): Promise<void> }[] = [];
  const close = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const s of started.splice(0).reverse()) await s.close().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw new AggregateError(errors, 'closing the run servers failed');
  };
  try {
    if (ports.metrics !== null) {
      const metrics = await serveMetrics(handle.db, { port: ports.metrics });
      started.push(metrics);
      ctx.io.err(`gantry: metrics on ${metrics.url}`);
    }
    if (ports.inspect !== null) {
      const { startInspectServer, liveFromCommitted } = await import('../visualizer/index.js');
      const inspect = await startInspectServer({
        db: handle.db,
        database: { kind: handle.kind, target: handle.target },
        verifyHash: recomputeHash,
        // Issue 13: the page shows why each entity is in its state, by ops' rules (the visualizer does not import ops).
        reasons: async (runId) => (await runReasons(handle.db, runId)).all,
        port: ports.inspect,
        // docs/design/engine.md §7.1: the page is fed live by this process's committed transitions, not by polling.
        live: liveFromCommitted((listener) => actors.subscribe(listener)),
        log: (line) => ctx.io.err(`gantry inspect: ${line}`),
      });
      started.push(inspect);
      ctx.io.err(`gantry: inspect on ${inspect.url}`);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { close };
}
