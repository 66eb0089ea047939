import { programOf, programOnPath } from '../exec/index.js';
import type { Plan, PlanCommand, PlanIssue } from '../plan/index.js';

/** `command` as one line for a message: an argv array joined by spaces. */
function shown(command: PlanCommand): string {
  return typeof command === 'string' ? command : command.join(' ');
}

/**
 * Warnings (not errors: the run's host may differ from this one) for each task and gate whose program is not found
 * on this host: on `PATH` (a task's own `env.PATH` when it sets one), or as a path relative to the repository. String
 * commands that begin with a shell keyword, builtin or expansion are not checked. Such a task fails at its first
 * attempt, without retries (`program not found: NAME`).
 */
export function missingPrograms(file: string, plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const check = (path: string, command: PlanCommand, env: Readonly<Record<string, string>>, what: string): void => {
    const program = programOf(command);
    if (program === null || programOnPath(program, plan.run.repository, env['PATH'] ?? process.env['PATH'] ?? '')) return;
    issues.push({
      file, path, line: null, column: null,
      message: `${what} program '${program}' is not found on PATH on this host (command: ${shown(command)}): ${what === 'task' ? `the task would fail at its first attempt, not retried ("program not found: ${program}")` : 'the gate would fail'}`,
    });
  };
  plan.workstreams.forEach((ws, w) => {
    ws.tasks.forEach((t, i) => check(`workstreams[${w}].tasks[${i}].command`, t.command, t.env, 'task'));
    ws.gates.forEach((g, i) => g.command !== null && check(`workstreams[${w}].gates[${i}].command`, g.command, {}, 'gate'));
  });
  return issues;
}
