import { join } from 'node:path';
import { DEFAULT_STUCK_THRESHOLDS, OverrideRefusedError, recoverWorkstream } from '../../ops/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { requiredReason, withOperator } from '../with-operator.js';

/** `gantry playbook recover-workstream WS_ID --reason TEXT`: the SSOT §5.3 playbook for a stuck workstream. */
export const playbookRecoverWorkstreamCommand: Command = {
  name: 'playbook recover-workstream',
  summary: 'recover a stuck workstream: fail its stuck tasks (overrides), then validate it or say which run to resume',
  usage: 'playbook recover-workstream WS_ID --reason TEXT [--task-sec N] [--operator NAME --token T] [--json]',
  description:
    'SSOT §5.3: every task of the workstream running longer than its threshold (SSOT §5.1; --task-sec, default 1800, ' +
    'or the task\'s own timeout) is failed by a fail-task override; then the workstream is validated (validate-workstream ' +
    'override) when all its tasks are completed, otherwise the command prints the gantry resume RUN_ID that settles it. ' +
    'Same authority as gantry override; refused (exit 1, nothing written) without it or for a terminal workstream.',
  options: { reason: { type: 'string' }, operator: { type: 'string' }, token: { type: 'string' }, 'task-sec': { type: 'string' } },
  optionHelp: {
    reason: 'why (required; recorded in the audit)',
    operator: 'operator name (default GANTRY_OPERATOR)',
    token: 'operator token (default GANTRY_OPERATOR_TOKEN)',
    'task-sec': 'a task running longer is stuck (default 1800)',
  },
  async run(ctx) {
    const [id] = positionalArgs(ctx, ['WS_ID']) as [string];
    const sec = stringOption(ctx, 'task-sec');
    if (sec !== null && (!/^[0-9]+(\.[0-9]+)?$/.test(sec) || Number(sec) <= 0)) throw new UsageError(`--task-sec must be a positive number of seconds, got '${sec}'`, ctx.command);
    const reason = requiredReason(ctx);
    return withOperator(ctx, [OverrideRefusedError], async (handle, operator) => {
      const thresholds = sec === null ? DEFAULT_STUCK_THRESHOLDS : { ...DEFAULT_STUCK_THRESHOLDS, taskMs: Number(sec) * 1000 };
      const r = await recoverWorkstream(handle.db, { workstreamId: id, operator, reason, thresholds, transitionLog: join(ctx.global.stateDir, 'transitions.jsonl') });
      if (ctx.global.json) {
        ctx.io.out(JSON.stringify({ playbook: 'recover-workstream', workstream_id: id, run_id: r.runId, failed_tasks: r.failedTasks.map((t) => ({ id: t.id, from_state: t.fromState, to_state: t.toState })), skipped_tasks: r.skippedTasks, outcome: r.outcome, workstream_state: r.workstreamState, resume_command: r.resumeCommand, operator }));
      } else {
        for (const t of r.failedTasks) ctx.io.out(`fail-task: task ${t.id} ${t.fromState} → ${t.toState} by ${operator}`);
        for (const t of r.skippedTasks) ctx.io.out(`skipped: task ${t.id} moved on before its override (${t.reason})`);
        if (r.failedTasks.length === 0 && r.skippedTasks.length === 0) ctx.io.out(`no stuck task in workstream ${id}`);
        if (r.outcome === 'validated') ctx.io.out(`validate-workstream: workstream ${id} → ${r.workstreamState} by ${operator}`);
        else ctx.io.out(`workstream ${id} is ${r.workstreamState}: run ${r.resumeCommand} to let the engine settle it`);
      }
      return EXIT.ok;
    });
  },
};
