// Only the status query and its error: the engine's barrel would load git, processes and the plan loader too.
import { RunNotFoundError } from '../../engine/errors.js';
import { runStatus } from '../../engine/run-status.js';
import { explainStatus, type ExplainedEntity } from '../explain-status.js';
import type { Command } from '../command.js';
import type { UsageAmounts } from '../../persistence/index.js';
import { EXIT, UsageError } from '../errors.js';
import { openDatabase } from '../open-database.js';
import { explainNotFound } from '../unknown-id.js';

/** What the plan expected, when it says: `expected by the plan` for a failure it marks, `expected to fail` when it did not. */
export function expectationNote(r: Pick<ExplainedEntity, 'expected' | 'reason'>, failed: boolean): string {
  if (r.expected !== 'failure') return '';
  return failed ? '  [expected by the plan: expect: failure]' : '  [the plan expected it to fail]';
}

/** Usage as status shows it: `usage: 1200 in + 300 out tokens, $0.05`; empty when none was reported. */
export function usageNote(u: UsageAmounts | null | undefined): string {
  if (!u) return '';
  return `  usage: ${u.input_tokens} in + ${u.output_tokens} out tokens, $${Math.round(u.cost_usd * 1e4) / 1e4}`;
}

function section(title: string, rows: readonly ExplainedEntity[]): string[] {
  if (rows.length === 0) return [];
  return [
    `  ${title}`,
    ...rows.map((r) => `    ${r.id.padEnd(40)} ${r.state}${r.parent ? `  (${r.parent})` : ''}${expectationNote(r, r.reason !== null)}${usageNote(r.usage)}${r.reason ? `\n      why: ${r.reason}` : ''}`),
  ];
}

/**
 * `gantry status [RUN_ID] [--json]`: the run (default the newest), its workstreams, tasks, patches, gates and
 * workers, each with why it is in its state when that needs explaining (`why:` lines; `reason` in JSON, null when
 * none) and the plan's `expect: failure` marks (`expected: "failure"` in JSON).
 */
export const statusCommand: Command = {
  name: 'status',
  summary: 'a run (default the newest) with its workstreams, tasks, patches, gates and workers, their states and why',
  description: [
    'Prints the run and each of its entities with its state; an entity that failed, was blocked, quarantined, dropped,',
    'cancelled or rolled back has a `why:` line (the exit code and last lines of stderr, the gate and its output tail,',
    'the forbidden rule and path, the dependency that failed, the operator and reason). --json prints the same with a',
    '`reason` field on the run and on every entity (null when its state needs no explanation) and `expected: "failure"`',
    'on what the plan marks `expect: failure`. What tools reported they spent (`gantry-usage` lines) follows the run,',
    'each workstream and task (`usage:` tokens in + out and dollars; a `usage` field in JSON, absent or null when none).',
    '`gantry logs ID` shows a task\'s or gate\'s full output.',
  ].join('\n'),
  usage: 'status [RUN_ID] [--json]',
  async run(ctx) {
    if (ctx.positionals.length > 1) throw new UsageError(`unexpected argument '${ctx.positionals[1]}'`, ctx.command);
    const runId = ctx.positionals[0] ?? null;
    const handle = await openDatabase(ctx.global, { existing: true });
    try {
      const s = await explainStatus(handle.db, await runStatus(handle.db, runId));
      if (ctx.global.json) ctx.io.out(JSON.stringify(s, null, 2));
      else {
        ctx.io.out(
          [`run ${s.runId}: ${s.state}${s.reason ? ` — ${s.reason}` : ''}${usageNote(s.usage)}`, ...section('workstreams', s.workstreams), ...section('tasks', s.tasks), ...section('patches', s.patches), ...section('gates', s.gates), ...section('workers', s.workers)].join('\n'),
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
