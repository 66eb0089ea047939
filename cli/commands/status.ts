// Only the status query and its error: the engine's barrel would load git, processes and the plan loader too.
import { RunNotFoundError } from '../../engine/errors.js';
import { runStatus, type EntityState } from '../../engine/run-status.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { openDatabase } from '../open-database.js';
import { explainNotFound } from '../unknown-id.js';

function section(title: string, rows: readonly EntityState[]): string[] {
  if (rows.length === 0) return [];
  return [`  ${title}`, ...rows.map((r) => `    ${r.id.padEnd(40)} ${r.state}${r.parent ? `  (${r.parent})` : ''}`)];
}

/** `gantry status [RUN_ID] [--json]`: the run (default the newest), its workstreams, tasks, patches, gates and workers. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'a run (default the newest) with its workstreams, tasks, patches, gates and workers and their states',
  usage: 'status [RUN_ID] [--json]',
  async run(ctx) {
    if (ctx.positionals.length > 1) throw new UsageError(`unexpected argument '${ctx.positionals[1]}'`, ctx.command);
    const runId = ctx.positionals[0] ?? null;
    const handle = await openDatabase(ctx.global, { existing: true });
    try {
      const s = await runStatus(handle.db, runId);
      if (ctx.global.json) ctx.io.out(JSON.stringify(s, null, 2));
      else {
        ctx.io.out(
          [`run ${s.runId}: ${s.state}`, ...section('workstreams', s.workstreams), ...section('tasks', s.tasks), ...section('patches', s.patches), ...section('gates', s.gates), ...section('workers', s.workers)].join('\n'),
        );
      }
      return EXIT.ok;
    } catch (err) {
      if (!(err instanceof RunNotFoundError)) throw err;
      if (runId !== null) throw await explainNotFound(handle.db, err);
      ctx.io.err(`gantry status: ${err.message}`);
      return EXIT.badInput;
    } finally {
      await handle.close();
    }
  },
};
