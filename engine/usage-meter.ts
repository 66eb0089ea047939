import { addUsage, NO_USAGE, recordAttemptUsage, runUsage, type UsageAmounts } from '../persistence/index.js';
import type { PlanTask } from '../plan/index.js';
import { budgetBreach, hasBudget } from './budget-check.js';
import type { RunContext } from './run-context.js';
import { parseUsageLine } from './usage-line.js';

/** What an attempt reported in all, and the budget it broke (the reason), if any. */
export interface MeteredUsage {
  /** Null when the attempt printed no accepted usage line. */
  readonly usage: UsageAmounts | null;
  /** `budget exceeded: …` when the attempt's usage put its task, workstream or run over budget. */
  readonly breach: string | null;
}

/**
 * Adds up the usage lines of one attempt's standard output as they arrive (issue 15): each accepted line records the
 * attempt's running total (`task_attempt_usage`) and, when a budget applies, checks the task's, its workstream's and
 * the run's spending against their budgets; the first breach calls `onBreach` with the reason (the caller stops the
 * attempt). Refused lines are ignored with a note (`onNote`). Writes happen one after the other, in line order.
 */
export class UsageMeter {
  private total: UsageAmounts = NO_USAGE;
  private reported = false;
  private breach: string | null = null;
  private failure: { error: unknown } | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: RunContext,
    private readonly task: PlanTask,
    private readonly attempt: number,
    private readonly onBreach: (reason: string) => void,
  ) {}

  /** One line of the attempt's standard output. */
  line(text: string): void {
    const parsed = parseUsageLine(text);
    if (parsed === null) return;
    if ('refused' in parsed) {
      this.ctx.options.onNote?.(`task ${this.task.id}: usage line ignored (${parsed.refused}): ${text.slice(0, 200)}`);
      return;
    }
    this.total = addUsage(this.total, parsed.usage);
    this.reported = true;
    const total = this.total;
    this.chain = this.chain.then(() => this.flush(total)).catch((error: unknown) => void (this.failure ??= { error }));
  }

  /** Waits for the pending writes and checks; rethrows a database error one of them met. */
  async settle(): Promise<MeteredUsage> {
    await this.chain;
    if (this.failure) throw this.failure.error;
    return { usage: this.reported ? this.total : null, breach: this.breach };
  }

  private async flush(total: UsageAmounts): Promise<void> {
    const { ctx, task } = this;
    await recordAttemptUsage(ctx.db, { taskId: ctx.ids.task(task.id), attempt: this.attempt, runId: ctx.ids.run, workstreamId: ctx.ids.workstream(task.workstream), tool: task.tool, ...total });
    if (this.breach !== null || !hasBudget(ctx, task)) return;
    const breach = budgetBreach(ctx, task, await runUsage(ctx.db, ctx.ids.run));
    if (breach === null) return;
    this.breach = breach;
    this.onBreach(breach);
  }
}
