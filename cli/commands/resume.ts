import { readRunSource, resumeRun, RunSetupError, RunSourceNotFoundError } from '../../engine/index.js';
import { formatPlanIssue, loadPlan, PlanError, type Plan } from '../../plan/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { driveOptionHelp, driveOptions, driveWithProgress } from '../drive-with-progress.js';
import { EXIT } from '../errors.js';
import { externalWorkersOption, withDatabase } from '../open-database.js';
import { runExists as runExistsIn } from '../../persistence/index.js';

/** The plan the run was started with, as recorded in the database (`run_sources`). */
async function recordedPlan(ctx: Parameters<Command['run']>[0], runId: string): Promise<Plan> {
  return withDatabase(ctx.global, async (handle) => (await readRunSource(handle.db, runId)).plan);
}

/** Whether the database holds run `runId`. */
async function runExists(ctx: Parameters<Command['run']>[0], runId: string): Promise<boolean> {
  return withDatabase(ctx.global, async (handle) => runExistsIn(handle.db, runId));
}

/** `gantry resume RUN_ID`: continue a run after a crash or a stop, from the persisted state (exit 0 / 1 / 2). */
export const resumeCommand: Command = {
  name: 'resume',
  summary: 'continue a run after a crash or a stop, from the persisted state',
  usage: 'resume RUN_ID [--plan FILE] [--external-workers] [--metrics-port N] [--inspect-port N] [--json]',
  options: { plan: { type: 'string' }, 'external-workers': { type: 'boolean' }, ...driveOptions },
  optionHelp: { ...driveOptionHelp, plan: 'a plan file to continue with (default: the plan recorded in the database when the run started)', 'external-workers': 'run no task in this process: every task waits for a `gantry worker` process' },
  description: [
    'Repairs what a crash left (a task whose process is gone takes execution_failed and retries by its own edges, a',
    'gate whose process is gone runs its command again, busy workers are released, due retries are re-queued, a merge',
    'cut short is finished or found done, worktrees are recreated or reset and stale locks removed, half-done patch',
    'pipelines continue), then runs the rest as `gantry run` does. The plan is reloaded from',
    'the database (run_sources: the very plan the run started with, so an edited file cannot change a run half way)',
    'unless --plan names a file.',
    'Exit 0 when the run succeeded, 1 when it failed, was canceled or stopped again, 2 for an unknown run or bad plan.',
  ].join('\n'),
  async run(ctx) {
    const [runId] = positionalArgs(ctx, ['RUN_ID']);
    const external = externalWorkersOption(ctx);
    if (!(await runExists(ctx, runId!))) {
      ctx.io.err(`gantry resume: run ${runId} not found`);
      return EXIT.badInput;
    }
    let plan: Plan;
    try {
      const file = stringOption(ctx, 'plan');
      plan = file ? await loadPlan(file) : await recordedPlan(ctx, runId!);
      for (const w of plan.warnings) ctx.io.err(`warning: ${formatPlanIssue(w)}`);
    } catch (err) {
      if (!(err instanceof PlanError || err instanceof RunSourceNotFoundError)) throw err;
      ctx.io.err(`gantry resume: ${err.message}`);
      return EXIT.badInput;
    }
    if (plan.run.id !== runId) {
      ctx.io.err(`gantry resume: the plan is for run ${plan.run.id}, not ${runId}`);
      return EXIT.badInput;
    }
    try {
      return await driveWithProgress(ctx, (actors, handle, options) => resumeRun(actors, handle.db, plan, { ...options, localWorkers: !external }, (note) => ctx.io.err(`repaired: ${note}`)));
    } catch (err) {
      if (!(err instanceof RunSetupError)) throw err;
      ctx.io.err(`gantry resume: ${err.message}`); // a required sandbox that does not work on this machine
      return EXIT.badInput;
    }
  },
};
