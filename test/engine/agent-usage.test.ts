import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { explainStatus } from '../../cli/explain-status.js';
import { usageNote } from '../../cli/commands/status.js';
import { runStatus } from '../../engine/index.js';
import { GantryMetrics } from '../../ops/index.js';
import { runUsage } from '../../persistence/index.js';
import { RunQueries } from '../../visualizer/run-queries.js';
import { runView } from '../../visualizer/run-view.js';
import { parsePrometheusText, sampleValue } from '../ops/prometheus-text.js';
import { testDatabases, type TestDatabase } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, type EngineSandbox } from './engine-fixtures.js';

// Issue 15, part 1: usage reported by tools (`gantry-usage` lines) is added up per attempt, recorded, summed per task,
// workstream and run, shown by status and /metrics; budgets stop an attempt that puts its scope over, without retry.

/**
 * A stand-in agent driven by its environment: LINES (a JSON array of lines to print), MARK (a file to create first),
 * WAIT_FOR (a file to wait for, then 1 s), FAIL_FIRST (exit 1 at attempt 1), MARK_AFTER (a file to create after
 * printing), HANG (stay alive after printing).
 */
const AGENT = `
const fs = require('fs');
const e = process.env;
if (e.MARK) fs.writeFileSync(e.MARK, 'x');
const go = () => {
  if (e.FAIL_FIRST && e.GANTRY_ATTEMPT === '1') process.exit(1);
  fs.mkdirSync('out', { recursive: true });
  fs.writeFileSync('out/' + e.GANTRY_TASK_ID + '.' + e.GANTRY_ATTEMPT, 'ran');
  for (const l of JSON.parse(e.LINES || '[]')) console.log(l);
  if (e.MARK_AFTER) fs.writeFileSync(e.MARK_AFTER, 'x');
  if (e.HANG) setTimeout(() => fs.writeFileSync('out/' + e.GANTRY_TASK_ID + '.survived', 'x'), 60000);
};
if (e.WAIT_FOR) { const t = setInterval(() => { if (fs.existsSync(e.WAIT_FOR)) { clearInterval(t); setTimeout(go, 1000); } }, 20); } else go();
`;

const usage = (o: Record<string, number>) => `gantry-usage ${JSON.stringify(o)}`;
const task = (id: string, env: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id, tool: 'agent', ...extra, env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) });

async function history(db: TestDatabase, id: string): Promise<string[]> {
  const actors = new PersistedActors({ db: db.db });
  try {
    return (await actors.history('task', id)).map((r) => r.trigger);
  } finally {
    await actors.close();
  }
}

describe.each(testDatabases())('tool usage and budgets (%s)', (kind) => {
  const suite = engineSuite(kind);
  let box: EngineSandbox;
  beforeAll(async () => {
    box = await suite.sandbox({ 'agent.js': AGENT });
  });
  const tools = { agent: { command: ['node', 'agent.js'] } };

  it('adds usage lines up per attempt, ignores malformed and absurd ones, sums per task, workstream and run', async () => {
    const notes: string[] = [];
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'used' },
      tools,
      workstreams: [
        { id: 'ws1', tasks: [
          task('u1', { LINES: [usage({ input_tokens: 100, output_tokens: 20, cost_usd: 0.25 }), 'gantry-usage {oops', usage({ input_tokens: 1e12 }), 'plain output', usage({ input_tokens: 50, cost_usd: 0.5 })] }),
          task('u2', { LINES: [usage({ output_tokens: 7 })], FAIL_FIRST: 1 }, { depends_on: ['u1'] }),
        ] },
        { id: 'ws2', tasks: [task('u3', { LINES: [usage({ input_tokens: 1, output_tokens: 2, cost_usd: 0.125 })] })] },
      ],
    }, { onNote: (l) => notes.push(l) });
    expect(status.state).toBe('succeeded');
    expect(notes.filter((n) => n.includes('usage line ignored'))).toEqual([
      'task u1: usage line ignored (not JSON): gantry-usage {oops',
      'task u1: usage line ignored (input_tokens 1000000000000 is absurd (more than 1000000000 in one line)): gantry-usage {"input_tokens":1000000000000}',
    ]);
    const rows = await suite.db.db.selectFrom('task_attempt_usage').select(['task_id', 'attempt', 'workstream_id', 'tool', 'input_tokens', 'output_tokens', 'cost_usd']).where('run_id', '=', 'used').orderBy('task_id').execute();
    expect(rows.map((r) => ({ ...r, input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens) }))).toEqual([
      { task_id: 'used.u1', attempt: 1, workstream_id: 'used.ws1', tool: 'agent', input_tokens: 150, output_tokens: 20, cost_usd: 0.75 },
      { task_id: 'used.u2', attempt: 2, workstream_id: 'used.ws1', tool: 'agent', input_tokens: 0, output_tokens: 7, cost_usd: 0 },
      { task_id: 'used.u3', attempt: 1, workstream_id: 'used.ws2', tool: 'agent', input_tokens: 1, output_tokens: 2, cost_usd: 0.125 },
    ]);
    const sums = await runUsage(suite.db.db, 'used');
    expect(sums.run).toEqual({ input_tokens: 151, output_tokens: 29, cost_usd: 0.875 });
    expect(sums.workstreams.get('used.ws1')).toEqual({ input_tokens: 150, output_tokens: 27, cost_usd: 0.75 });

    // gantry status shows them on the run, each workstream and task.
    const s = await explainStatus(suite.db.db, await runStatus(suite.db.db, 'used'));
    expect(usageNote(s.usage)).toBe('  usage: 151 in + 29 out tokens, $0.875');
    expect(s.workstreams.find((w) => w.id === 'used.ws2')?.usage).toEqual({ input_tokens: 1, output_tokens: 2, cost_usd: 0.125 });
    expect(s.tasks.find((t) => t.id === 'used.u2')?.usage).toEqual({ input_tokens: 0, output_tokens: 7, cost_usd: 0 });

    // The page's run view (/api/runs/:id/view) carries them too.
    const view = await runView(new RunQueries(suite.db.db), 'used', 0, null);
    expect(view.run.usage).toEqual({ input_tokens: 151, output_tokens: 29, cost_usd: 0.875 });
    expect(view.entities.find((e) => e.id === 'used.u3')?.usage).toEqual({ input_tokens: 1, output_tokens: 2, cost_usd: 0.125 });

    // /metrics: per tool, from the database.
    const samples = parsePrometheusText(await new GantryMetrics(suite.db.db).text());
    expect(sampleValue(samples, 'gantry_tool_cost_usd_total', { tool: 'agent' })).toBeGreaterThanOrEqual(0.875);
    expect(sampleValue(samples, 'gantry_tool_input_tokens_total', { tool: 'agent' })).toBeGreaterThanOrEqual(151);
    expect(sampleValue(samples, 'gantry_tool_output_tokens_total', { tool: 'agent' })).toBeGreaterThanOrEqual(29);
  });

  it('stops an attempt that puts its task over budget: process group killed, task failed without retry, with the reason', async () => {
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'task-budget' },
      tools,
      workstreams: [{ id: 'ws', tasks: [task('b1', { LINES: [usage({ input_tokens: 600, output_tokens: 500 })], HANG: 1 }, { budget: { tokens: 1000 }, max_retries: 3 })] }],
    });
    expect(status.state).toBe('failed');
    const actors = new PersistedActors({ db: suite.db.db });
    const t = await actors.load('task', 'task-budget.b1');
    await actors.close();
    expect(t.state).toBe('failed');
    expect(t.context['retry_count']).toBe(0);
    expect(t.context['last_error']).toBe('budget exceeded: task b1 tokens 1100 > 1000');
    expect(await history(suite.db, 'task-budget.b1')).toEqual(['create', 'scheduler_assigned', 'worker_started', 'execution_failed']);
  });

  it('a run over budget stops the attempt that put it over and starts no more attempts; the run ends failed', async () => {
    // Ordered by marker files (outside the worktrees): w1 starts, then s1 spends, then w1's first attempt fails.
    const [started, spent] = [join(box.dir, 'w1-started.mark'), join(box.dir, 's1-spent.mark')];
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'run-budget', budget: { cost_usd: 1 } },
      sandbox: 'none', // the marker file between the two tasks lives outside their worktrees
      workers: { orchestration: [{ id: 'agent', count: 2 }] },
      tools,
      workstreams: [
        { id: 'spender', tasks: [task('s1', { WAIT_FOR: started, LINES: [usage({ cost_usd: 0.75 }), usage({ cost_usd: 0.5 })], MARK_AFTER: spent, HANG: 1 })] },
        // Fails its first attempt once the spender has spent; its retry is never started.
        { id: 'waiter', tasks: [task('w1', { MARK: started, WAIT_FOR: spent, FAIL_FIRST: 1 }, { max_retries: 3 })] },
      ],
    });
    expect(status.state).toBe('failed');
    const actors = new PersistedActors({ db: suite.db.db });
    const [s1, w1] = [await actors.load('task', 'run-budget.s1'), await actors.load('task', 'run-budget.w1')];
    const runHistory = (await actors.history('run', 'run-budget')).map((r) => r.toState);
    await actors.close();
    expect([s1.state, s1.context['retry_count'], s1.context['last_error']]).toEqual(['failed', 0, 'budget exceeded: run run-budget cost_usd 1.25 > 1']);
    expect([w1.state, w1.context['retry_count'], w1.context['last_error']]).toEqual(['failed', 1, 'budget exceeded: run run-budget cost_usd 1.25 > 1']);
    expect(runHistory.at(-1)).toBe('failed');
    // w1's second attempt never ran (its command would have written out/w1.2); the spender did not survive its stop.
    const outputs = await suite.db.db.selectFrom('task_attempt_outputs').select('attempt').where('task_id', '=', 'run-budget.w1').execute();
    expect(outputs.map((o) => o.attempt)).toEqual([1]);
    expect(existsSync(join(box.stateDir, 'worktrees', 'run-budget', 'spender', 'out', 's1.survived'))).toBe(false);
  });
});
