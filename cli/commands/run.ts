import { driveRun, RunSetupError, startRun } from '../../engine/index.js';
import { formatPlanIssue, loadPlan, PlanError, type Plan } from '../../plan/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { driveOptionHelp, driveOptions, driveWithProgress } from '../drive-with-progress.js';
import { externalWorkersOption } from '../open-database.js';

/** `gantry run PLAN`: validate the plan, create the run and execute it to its outcome (exit 0 / 1 / 2). */
export const runCommand: Command = {
  name: 'run',
  summary: 'validate a plan, create the run and execute it to its outcome, printing progress and a summary',
  usage: 'run PLAN [--external-workers] [--metrics-port N] [--inspect-port N] [--json]',
  options: { ...driveOptions, 'external-workers': { type: 'boolean' } },
  optionHelp: { ...driveOptionHelp, 'external-workers': 'run no task in this process: every task waits for a `gantry worker` process (PostgreSQL)' },
  description: [
    'Validates PLAN (nothing is written when it is invalid: exit 2), creates the run and all its entities, and runs it',
    'in this process: on a terminal a live view redrawn in place (per workstream: tasks, patches, gates; workers),',
    'otherwise one progress line per state change; then a summary. Worktrees live under',
    '<state-dir>/worktrees/<run>/<workstream>, archives of failed workstreams under <state-dir>/archive/<run>/.',
    'Exit 0 when the run succeeded, 1 when it failed or was canceled, 2 for a bad plan or repository.',
    '--json prints only the final status as JSON. Ctrl-C stops after the current step and leaves the run resumable',
    '(gantry resume RUN_ID, exit 1).',
    '',
    'Tasks run on the plan\'s pool workers in this process and on the workers of any `gantry worker` process joined to',
    'the same PostgreSQL database (each queued task is claimed once, FOR UPDATE SKIP LOCKED); patches, gates and merges',
    'stay with this process. --external-workers leaves every task to `gantry worker` processes. The plan, its file and',
    'the state directory are recorded in the database (run_sources) for `gantry resume` and the workers.',
  ].join('\n'),
  async run(ctx) {
    const [file] = positionalArgs(ctx, ['PLAN']);
    const external = externalWorkersOption(ctx);
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
      return await driveWithProgress(ctx, async (actors, handle, options) => {
        const run = await startRun(actors, handle.db, plan, { ...options, planFile: file!, localWorkers: !external });
        return driveRun(run);
      });
    } catch (err) {
      if (!(err instanceof RunSetupError)) throw err;
      ctx.io.err(`gantry run: ${err.message}`);
      return EXIT.badInput;
    }
  },
};
