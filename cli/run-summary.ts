import { isFailureState } from '../machines/index.js';
import type { ExplainedEntity, ExplainedStatus } from './explain-status.js';

/** Whether an entity of `type` in `state` failed (its machine tags the state a failure) or was cancelled. */
function wentWrong(type: string, e: ExplainedEntity): boolean {
  return isFailureState(type, e.state) || e.state === 'cancelled' || e.state === 'canceled';
}

/**
 * The final summary of `gantry run` / `resume`: the run's outcome and why, each workstream with its state — a failed
 * one with which entity failed and why, and whether the plan expected it (`expect: failure`) — the entities by
 * state, and a last line saying whether the failures were by design.
 */
export function runSummary(s: ExplainedStatus): string {
  const count = (xs: readonly { state: string }[]) => {
    const by = new Map<string, number>();
    for (const x of xs) by.set(x.state, (by.get(x.state) ?? 0) + 1);
    return [...by].map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
  };
  const bad = s.workstreams.filter((w) => wentWrong('workstream', w));
  const badTasks = s.tasks.filter((t) => wentWrong('task', t));
  const unexpected = bad.filter((w) => w.expected !== 'failure');
  const surprises = s.workstreams.filter((w) => w.expected === 'failure' && !wentWrong('workstream', w)).concat(s.tasks.filter((t) => t.expected === 'failure' && !wentWrong('task', t)));
  const lines = [
    `run ${s.runId}: ${s.state}${s.reason ? ` — ${s.reason}` : ''}`,
    ...s.workstreams.flatMap((w) => {
      const mark = w.expected === 'failure' ? (wentWrong('workstream', w) ? '  [expected: the plan marks it expect: failure]' : '  [the plan expected it to fail]') : '';
      return [`  workstream ${w.id}: ${w.state}${mark}`, ...(w.reason && wentWrong('workstream', w) ? [`      why: ${w.reason}`] : [])];
    }),
    `  tasks    ${count(s.tasks)}`,
    `  patches  ${count(s.patches)}`,
    `  gates    ${count(s.gates)}`,
  ];
  if (bad.length > 0 || badTasks.length > 0) {
    if (unexpected.length === 0 && bad.length > 0) lines.push(`  by design: every failed workstream is marked expect: failure in the plan (${bad.map((w) => w.id).join(', ')})`);
    else if (unexpected.length > 0) lines.push(`  unexpected failures: ${unexpected.map((w) => w.id).join(', ')} (\`gantry logs ID\` shows a task's or gate's output)`);
  }
  if (surprises.length > 0) lines.push(`  expected to fail but did not: ${surprises.map((e) => e.id).join(', ')}`);
  return lines.join('\n');
}
