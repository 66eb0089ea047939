import type { CommittedTransition, PersistedActors } from '../actors/index.js';
import { RunInterruptedError, type EngineOptions, type RunStatus } from '../engine/index.js';
import type { DatabaseHandle } from '../persistence/index.js';
import type { CommandContext } from './command.js';
import { EXIT } from './errors.js';
import { withActors } from './open-database.js';

/** One progress line per state change (internal transitions such as heartbeats and breaker counts are not shown). */
export function progressLine(t: CommittedTransition): string | null {
  if (t.from === t.to) return null;
  return `${t.entityType.padEnd(15)} ${t.id}: ${t.from} → ${t.to} (${t.event})`;
}

/** The final summary: the run's outcome and its entities by state. */
export function runSummary(s: RunStatus): string {
  const count = (xs: readonly { state: string }[]) => {
    const by = new Map<string, number>();
    for (const x of xs) by.set(x.state, (by.get(x.state) ?? 0) + 1);
    return [...by].map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
  };
  return [
    `run ${s.runId}: ${s.state}`,
    ...s.workstreams.map((w) => `  workstream ${w.id}: ${w.state}`),
    `  tasks    ${count(s.tasks)}`,
    `  patches  ${count(s.patches)}`,
    `  gates    ${count(s.gates)}`,
  ].join('\n');
}

/**
 * Runs `drive` (a run or a resume) with persisted actors, printing one progress line per state change and the
 * summary; Ctrl-C (SIGINT) asks the engine to stop after its current step, leaving the run resumable, and the command
 * then exits 1 saying how to resume. Returns the exit code (0 succeeded, 1 otherwise).
 */
export async function driveWithProgress(ctx: CommandContext, drive: (actors: PersistedActors, handle: DatabaseHandle, options: EngineOptions) => Promise<RunStatus>): Promise<number> {
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) return;
    ctx.io.err('gantry: stopping after the current step (Ctrl-C) …');
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const status = await withActors(ctx.global, async (actors, handle) => {
      const off = ctx.global.json ? () => undefined : actors.subscribe((t) => {
        const line = progressLine(t);
        if (line) ctx.io.out(line);
      });
      try {
        return await drive(actors, handle, { stateDir: ctx.global.stateDir, signal: stop.signal });
      } finally {
        off();
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
