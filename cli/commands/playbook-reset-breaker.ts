import { join } from 'node:path';
import { BreakerCheckFailedError, OverrideRefusedError, resetBreakerPlaybook } from '../../ops/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { requiredReason, withOperator } from '../with-operator.js';

/** `gantry playbook reset-breaker TOOL --check "CMD" --reason TEXT`: reset a breaker once its tool answers (SSOT §5.3). */
export const playbookResetBreakerCommand: Command = {
  name: 'playbook reset-breaker',
  summary: 'reset a circuit breaker to CLOSED after a check command proves its tool answers (exit 1 if the check fails)',
  usage: 'playbook reset-breaker BREAKER_ID --check CMD --reason TEXT [--timeout-sec 60] [--operator NAME --token T] [--json]',
  description:
    'SSOT §5.3: runs CMD with /bin/sh -c in the current directory; only when it exits 0 within --timeout-sec is the ' +
    'breaker (id as in gantry status, e.g. RUN.tool) reset to CLOSED by a reset-breaker override (audited, counted). ' +
    'A failing check: exit 1, nothing written. Same authority as gantry override.',
  options: { check: { type: 'string' }, reason: { type: 'string' }, operator: { type: 'string' }, token: { type: 'string' }, 'timeout-sec': { type: 'string' } },
  optionHelp: {
    check: 'the command that must exit 0 (required)',
    reason: 'why (required; recorded in the audit)',
    operator: 'operator name (default GANTRY_OPERATOR)',
    token: 'operator token (default GANTRY_OPERATOR_TOKEN)',
    'timeout-sec': 'deadline of the check (default 60)',
  },
  async run(ctx) {
    const [id] = positionalArgs(ctx, ['BREAKER_ID']) as [string];
    const check = stringOption(ctx, 'check')?.trim();
    if (!check) throw new UsageError('--check CMD is required (the command that proves the tool answers)', ctx.command);
    const sec = stringOption(ctx, 'timeout-sec', '60')!;
    if (!/^[0-9]+(\.[0-9]+)?$/.test(sec) || Number(sec) <= 0) throw new UsageError(`--timeout-sec must be a positive number of seconds, got '${sec}'`, ctx.command);
    const reason = requiredReason(ctx);
    return withOperator(ctx, [OverrideRefusedError, BreakerCheckFailedError], async (handle, operator) => {
      const r = await resetBreakerPlaybook(handle.db, { breakerId: id, check, cwd: process.cwd(), timeoutMs: Number(sec) * 1000, operator, reason, transitionLog: join(ctx.global.stateDir, 'transitions.jsonl') });
      const o = r.override;
      if (ctx.global.json) ctx.io.out(JSON.stringify({ playbook: 'reset-breaker', id, from_state: o.fromState, to_state: o.toState, version: o.version, check: { command: check, exit_code: 0, duration_ms: r.check.durationMs }, operator }));
      else ctx.io.out(`check '${check}' exited 0; reset-breaker: circuit_breaker ${id} ${o.fromState} → ${o.toState} (version ${o.version}) by ${operator}`);
      return EXIT.ok;
    });
  },
};
