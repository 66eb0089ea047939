import type { CommittedTransition } from '../../actors/index.js';
import { RunSetupError, runPlan, type RunStatus } from '../../engine/index.js';
import { formatPlanIssue, loadPlan, PlanError, type Plan } from '../../plan/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { withActors } from '../open-database.js';

/** One progress line per state change (internal transitions such as heartbeats and breaker counts are not shown). */
function progressLine(t: CommittedTransition): string | null {
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

/** `gantry run PLAN`: validate the plan, create the run and execute it to its outcome (exit 0 / 1 / 2). */
export const runCommand: Command = {
  name: 'run',
  summary: 'validate a plan, create the run and execute it to its outcome, printing progress and a summary',
  usage: 'run PLAN [--json]',
  description: [
    'Validates PLAN (nothing is written when it is invalid: exit 2), creates the run and all its entities, and runs it',
    'in this process: one progress line per state change, then a summary. Worktrees live under',
    '<state-dir>/worktrees/<run>/<workstream>, archives of failed workstreams under <state-dir>/archive/<run>/.',
    'Exit 0 when the run succeeded, 1 when it failed or was canceled, 2 for a bad plan or repository.',
    '--json prints only the final status as JSON.',
  ].join('\n'),
  async run(ctx) {
    const [file] = positionalArgs(ctx, ['PLAN']);
    let plan: Plan;
    try {
      plan = await loadPlan(file!);
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      ctx.io.err(err.message);
      return EXIT.badInput;
    }
    for (const w of plan.warnings) ctx.io.err(`warning: ${formatPlanIssue(w)}`);
    try {
      const status = await withActors(ctx.global, async (actors, handle) => {
        const off = ctx.global.json ? () => undefined : actors.subscribe((t) => {
          const line = progressLine(t);
          if (line) ctx.io.out(line);
        });
        try {
          return await runPlan(actors, handle.db, plan, { stateDir: ctx.global.stateDir });
        } finally {
          off();
        }
      });
      ctx.io.out(ctx.global.json ? JSON.stringify(status, null, 2) : runSummary(status));
      return status.state === 'succeeded' ? EXIT.ok : EXIT.refused;
    } catch (err) {
      if (!(err instanceof RunSetupError)) throw err;
      ctx.io.err(`gantry run: ${err.message}`);
      return EXIT.badInput;
    }
  },
};
