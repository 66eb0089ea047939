import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { mapDbError } from './map-db-error.js';

/** Tokens and cost, as a tool reports them (issue 15). */
export interface UsageAmounts {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cost_usd: number;
}

/** What one task attempt reported it spent, as {@link recordAttemptUsage} stores it. */
export interface AttemptUsage extends UsageAmounts {
  readonly taskId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly runId: string;
  /** The workstream's entity id. */
  readonly workstreamId: string;
  /** The task's tool (its breaker key). */
  readonly tool: string;
}

/** Usage added up for one run: the whole run, and per workstream and per task (entity ids). */
export interface RunUsage {
  readonly run: UsageAmounts;
  readonly workstreams: ReadonlyMap<string, UsageAmounts>;
  readonly tasks: ReadonlyMap<string, UsageAmounts>;
}

/** No usage. */
export const NO_USAGE: UsageAmounts = { input_tokens: 0, output_tokens: 0, cost_usd: 0 };

/**
 * Stores what a task attempt reported it spent (`task_attempt_usage`, migration 0009); written again for the same
 * attempt (the running total as more lines arrive, or a repeated write after a crash) it replaces the row. A plain row
 * write beside the task, not a transition.
 */
export async function recordAttemptUsage(db: Kysely<Database>, u: AttemptUsage): Promise<void> {
  const row = { run_id: u.runId, workstream_id: u.workstreamId, tool: u.tool, input_tokens: u.input_tokens, output_tokens: u.output_tokens, cost_usd: u.cost_usd, recorded_at: new Date() };
  try {
    await db
      .insertInto('task_attempt_usage')
      .values({ task_id: u.taskId, attempt: u.attempt, ...row })
      .onConflict((oc) => oc.columns(['task_id', 'attempt']).doUpdateSet(row))
      .execute();
  } catch (e) {
    throw mapDbError(e);
  }
}

interface SumRow {
  readonly key: string;
  readonly input_tokens: string | number;
  readonly output_tokens: string | number;
  readonly cost_usd: string | number;
}

const amounts = (r: SumRow): UsageAmounts => ({ input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens), cost_usd: Number(r.cost_usd) });

/** Usage of run `runId` added up per task, per workstream and for the run (attempts that reported none count 0). */
export async function runUsage(db: Kysely<Database>, runId: string): Promise<RunUsage> {
  const { rows } = await sql<SumRow & { workstream_id: string }>`
    SELECT task_id AS key, workstream_id, sum(input_tokens)::text AS input_tokens, sum(output_tokens)::text AS output_tokens, sum(cost_usd)::float8 AS cost_usd
    FROM task_attempt_usage WHERE run_id = ${runId} GROUP BY task_id, workstream_id ORDER BY task_id`.execute(db);
  const tasks = new Map<string, UsageAmounts>();
  const workstreams = new Map<string, UsageAmounts>();
  let run = NO_USAGE;
  for (const r of rows) {
    const a = amounts(r);
    tasks.set(r.key, a);
    workstreams.set(r.workstream_id, addUsage(workstreams.get(r.workstream_id) ?? NO_USAGE, a));
    run = addUsage(run, a);
  }
  return { run, workstreams, tasks };
}

/** Usage of every run added up per tool, by tool (what `/metrics` exports). */
export async function usageByTool(db: Kysely<Database>): Promise<(UsageAmounts & { tool: string })[]> {
  const { rows } = await sql<SumRow>`
    SELECT tool AS key, sum(input_tokens)::text AS input_tokens, sum(output_tokens)::text AS output_tokens, sum(cost_usd)::float8 AS cost_usd
    FROM task_attempt_usage GROUP BY tool ORDER BY tool`.execute(db);
  return rows.map((r) => ({ tool: r.key, ...amounts(r) }));
}

/** `a` and `b` added up. */
export function addUsage(a: UsageAmounts, b: UsageAmounts): UsageAmounts {
  return { input_tokens: a.input_tokens + b.input_tokens, output_tokens: a.output_tokens + b.output_tokens, cost_usd: a.cost_usd + b.cost_usd };
}
