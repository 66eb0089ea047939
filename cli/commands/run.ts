import { driveRun, RunSetupError, startRun, writeRunSource } from '../../engine/index.js';
import { formatPlanIssue, loadPlan, PlanError, type Plan } from '../../plan/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { driveWithProgress } from '../drive-with-progress.js';

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
    '--json prints only the final status as JSON. Ctrl-C stops after the current step and leaves the run resumable',
    '(gantry resume RUN_ID, exit 1).',
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
      return await driveWithProgress(ctx, async (actors, handle, options) => {
        const run = await startRun(actors, handle.db, plan, options);
        await writeRunSource(ctx.global.stateDir, plan.run.id, file!);
        return driveRun(run);
      });
    } catch (err) {
      if (!(err instanceof RunSetupError)) throw err;
      ctx.io.err(`gantry run: ${err.message}`);
      return EXIT.badInput;
    }
  },
};
