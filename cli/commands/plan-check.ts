import { formatPlanIssue, loadPlan, type Plan, PlanError, type PlanIssue, type PlanOrder, PlanSyntaxError, PlanValidationError, planOrder } from '../../plan/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { missingPrograms } from '../missing-programs.js';

/** A plan error as the issues `--json` lists: a syntax or read error is one issue at the document. */
function issuesOf(err: PlanError): readonly PlanIssue[] {
  if (err instanceof PlanValidationError) return err.issues;
  if (err instanceof PlanSyntaxError) return [{ file: err.file, path: '', message: `${err.format === 'yaml' ? 'YAML' : 'JSON'} syntax error: ${err.detail}`, line: err.line, column: err.column }];
  return [{ file: err.file, path: '', message: err.message.replace(`${err.file}: `, ''), line: null, column: null }];
}

const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : '–');
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The human summary of a valid plan: run, counts, each workstream, pools, the orders, warnings. */
function summary(name: string, plan: Plan, order: PlanOrder, warnings: readonly PlanIssue[]): string {
  const gates = plan.workstreams.reduce((n, ws) => n + ws.gates.length, 0);
  const workers = plan.workers.orchestration.reduce((n, p) => n + p.count, 0);
  const lines = [
    `${name}: valid plan`,
    `  run          ${plan.run.id}${plan.run.id_generated ? ' (generated)' : ''}, phase ${plan.run.phase}`,
    plan.run.remote !== undefined ? `  remote       ${plan.run.remote} → ${plan.run.target_branch} (the engine clones it into its state directory)` : `  repository   ${plan.run.repository} → ${plan.run.target_branch}`,
    `  counts       ${[count(plan.workstreams.length, 'workstream'), count(plan.tasks.length, 'task'), count(gates, 'gate'), `${count(plan.workers.orchestration.length, 'worker pool')} (${count(workers, 'worker')})`, count(plan.workers.uet.count, 'UET worker')].join(', ')}`,
    '  workstreams',
    ...plan.workstreams.map((ws) => {
      const flags = [ws.critical ? 'critical' : null, ws.skip ? 'skipped' : null].filter((f) => f !== null);
      return `    ${ws.id}${flags.length ? ` (${flags.join(', ')})` : ''}: depends on ${list(ws.depends_on)}; tasks ${list(ws.tasks.map((t) => t.id))}; gates ${list(ws.gates.map((g) => `${g.id} ${g.type}`))}`;
    }),
    '  worker pools',
    ...plan.workers.orchestration.map(
      (p) => `    ${p.id} ×${p.count}: capabilities ${list(p.capabilities)}; ${p.max_concurrent_tasks} task(s) each; affinity ${p.affinity.length ? p.affinity.join(', ') : 'any'}`,
    ),
    '  order',
    `    workstreams  ${order.workstreams.join(' → ')}`,
    `    tasks        ${order.tasks.join(' → ')}`,
    ...Object.entries(order.gates)
      .filter(([, g]) => g.length)
      .map(([ws, g]) => `    gates ${ws}: ${g.join(' → ')}`),
  ];
  if (warnings.length) lines.push(`  warnings (${warnings.length})`, ...warnings.map((w) => `    ${formatPlanIssue(w)}`));
  return lines.join('\n');
}

/** `gantry plan check PLAN [--json]`: validate a plan file and print its summary or every error (exit 0 / 2). */
export const planCheckCommand: Command = {
  name: 'plan check',
  summary: 'validate a plan file: its summary and run order, or every error with file, line and path',
  usage: 'plan check PLAN [--json]',
  description: [
    'Reads PLAN (.yaml, .yml or .json; other names by content), validates it as `gantry run` would, and writes',
    'nothing anywhere. A valid plan prints its run, counts, workstreams, worker pools, the topological order of',
    'workstreams, tasks and gates, and any warnings (among them task and gate programs not found on PATH here); exit 0. An invalid one prints every error as',
    '`file:line:column: path: message` (e.g. `plan.yaml:12:7: workstreams[1].tasks[0].depends_on[2]: unknown task`); exit 2.',
    '',
    '--json prints {"valid":true,"file","plan","order","warnings"} or {"valid":false,"file","errors":[{"file","path",',
    '"message","line","column"}]}.',
  ].join('\n'),
  async run(ctx) {
    const [file] = positionalArgs(ctx, ['PLAN']);
    try {
      const plan = await loadPlan(file!);
      const order = planOrder(plan);
      const warnings = [...plan.warnings, ...missingPrograms(file!, plan)];
      ctx.io.out(ctx.global.json ? JSON.stringify({ valid: true, file: file!, plan, order, warnings }, null, 2) : summary(file!, plan, order, warnings));
      return EXIT.ok;
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      const issues = issuesOf(err);
      if (ctx.global.json) ctx.io.out(JSON.stringify({ valid: false, file: file!, errors: issues }, null, 2));
      else ctx.io.out(err instanceof PlanValidationError ? err.message : [`${file!}: invalid plan (1 error):`, ...issues.map((i) => `  ${formatPlanIssue(i)}`)].join('\n'));
      return EXIT.badInput;
    }
  },
};
