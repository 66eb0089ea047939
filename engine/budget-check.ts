import { NO_USAGE, runUsage, type RunUsage, type UsageAmounts } from '../persistence/index.js';
import type { PlanBudget, PlanTask } from '../plan/index.js';
import type { RunContext } from './run-context.js';

/** One budget that applies to a task's attempts: whose it is (`task t1`), its limits and what the scope spent. */
interface Scope {
  readonly name: string;
  readonly budget: PlanBudget | undefined;
  readonly spent: UsageAmounts;
}

/** Dollars shown in a reason: at most 6 decimals, no float noise. */
const dollars = (x: number): string => String(Math.round(x * 1e6) / 1e6);

/** True when the task, its workstream or the run has a budget (else nothing needs reading). */
export function hasBudget(ctx: Pick<RunContext, 'plan'>, task: PlanTask): boolean {
  const ws = ctx.plan.workstreams.find((w) => w.id === task.workstream);
  return task.budget !== undefined || ws?.budget !== undefined || ctx.plan.run.budget !== undefined;
}

/**
 * The first budget of a task's scopes — the task (all its attempts), its workstream, the run — that `usage` puts over
 * its limit, as the reason its attempt fails: `budget exceeded: <scope> <what> <spent> > <limit>` (`what` is
 * `cost_usd` or `tokens`, input plus output); null when none is over.
 */
export function budgetBreach(ctx: Pick<RunContext, 'plan' | 'ids'>, task: PlanTask, usage: RunUsage): string | null {
  const ws = ctx.plan.workstreams.find((w) => w.id === task.workstream);
  const scopes: Scope[] = [
    { name: `task ${task.id}`, budget: task.budget, spent: usage.tasks.get(ctx.ids.task(task.id)) ?? NO_USAGE },
    { name: `workstream ${task.workstream}`, budget: ws?.budget, spent: usage.workstreams.get(ctx.ids.workstream(task.workstream)) ?? NO_USAGE },
    { name: `run ${ctx.ids.run}`, budget: ctx.plan.run.budget, spent: usage.run },
  ];
  for (const s of scopes) {
    if (s.budget?.cost_usd !== undefined && s.spent.cost_usd > s.budget.cost_usd) {
      return `budget exceeded: ${s.name} cost_usd ${dollars(s.spent.cost_usd)} > ${dollars(s.budget.cost_usd)}`;
    }
    const tokens = s.spent.input_tokens + s.spent.output_tokens;
    if (s.budget?.tokens !== undefined && tokens > s.budget.tokens) return `budget exceeded: ${s.name} tokens ${tokens} > ${s.budget.tokens}`;
  }
  return null;
}

/**
 * Whether an attempt of `task` may start (issue 15): the reason when one of its scopes (task, workstream, run) is
 * already over budget — a run over budget starts no more attempts — else null. Reads the recorded usage.
 */
export async function budgetRefusal(ctx: RunContext, task: PlanTask): Promise<string | null> {
  if (!hasBudget(ctx, task)) return null;
  return budgetBreach(ctx, task, await runUsage(ctx.db, ctx.ids.run));
}
