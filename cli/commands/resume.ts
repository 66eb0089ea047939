import { readRunSource, resumeRun, RunSourceNotFoundError } from '../../engine/index.js';
import { formatPlanIssue, loadPlan, PlanError, type Plan } from '../../plan/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { driveWithProgress } from '../drive-with-progress.js';
import { EXIT } from '../errors.js';
import { openDatabase } from '../open-database.js';

/** Whether the database holds run `runId`. */
async function runExists(ctx: Parameters<Command['run']>[0], runId: string): Promise<boolean> {
  const handle = await openDatabase(ctx.global);
  try {
    return (await handle.db.selectFrom('runs').select('id').where('id', '=', runId).executeTakeFirst()) !== undefined;
  } finally {
    await handle.close();
  }
}

/** `gantry resume RUN_ID`: continue a run after a crash or a stop, from the persisted state (exit 0 / 1 / 2). */
export const resumeCommand: Command = {
  name: 'resume',
  summary: 'continue a run after a crash or a stop, from the persisted state',
  usage: 'resume RUN_ID [--plan FILE] [--json]',
  options: { plan: { type: 'string' } },
  optionHelp: { plan: 'the plan file the run was started from (default: the one recorded under the state directory)' },
  description: [
    'Repairs what a crash left (a task whose process is gone takes execution_failed and retries by its own edges, a',
    'gate whose process is gone fails, busy workers are released, due retries are re-queued, worktrees are recreated',
    'or reset, half-done patch pipelines continue), then runs the rest as `gantry run` does. The plan is reloaded from',
    'the file recorded when the run started (<state-dir>/runs/<run>.json) unless --plan names it.',
    'Exit 0 when the run succeeded, 1 when it failed, was canceled or stopped again, 2 for an unknown run or bad plan.',
  ].join('\n'),
  async run(ctx) {
    const [runId] = positionalArgs(ctx, ['RUN_ID']);
    if (!(await runExists(ctx, runId!))) {
      ctx.io.err(`gantry resume: run ${runId} not found`);
      return EXIT.badInput;
    }
    let plan: Plan;
    try {
      const file = stringOption(ctx, 'plan') ?? (await readRunSource(ctx.global.stateDir, runId!)).plan_file;
      plan = await loadPlan(file);
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
    return driveWithProgress(ctx, (actors, handle, options) => resumeRun(actors, handle.db, plan, options, (note) => ctx.io.err(`repaired: ${note}`)));
  },
};
