import { join, resolve } from 'node:path';
import { withEngineClone } from '../../engine/index.js';
import { applyOverride, isOverrideAction, OverrideRefusedError, OVERRIDE_ACTIONS, RollbackFailedError, rollbackPatch, RollbackPlanMismatchError } from '../../ops/index.js';
import { loadPlan, PlanError } from '../../plan/index.js';
import type { Command, CommandContext } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { requiredReason, withOperator } from '../with-operator.js';
import type { DatabaseHandle } from '../../persistence/index.js';

const ACTIONS = [...OVERRIDE_ACTIONS, 'rollback-patch'] as const;

/** `override rollback-patch LEDGER_ID --plan FILE`: the emergency rollback playbook (SSOT §5.3, §2.5.3). */
async function rollback(ctx: CommandContext, handle: DatabaseHandle, id: string, operator: string, reason: string): Promise<number> {
  const file = stringOption(ctx, 'plan')!;
  let plan;
  try {
    plan = await loadPlan(file);
  } catch (err) {
    if (err instanceof PlanError) throw new UsageError(err.message, ctx.command, { cause: err });
    throw err;
  }
  try {
    const r = await rollbackPatch(handle.db, {
      // Issue 16: a plan with `run.remote` is rolled back in the engine's clone of the remote (in the state directory).
      ledgerId: id, plan: withEngineClone(plan, resolve(ctx.global.stateDir)), operator, reason,
      transitionLog: join(ctx.global.stateDir, 'transitions.jsonl'),
      scratchDir: ctx.global.stateDir,
      onNotice: ctx.global.json ? undefined : (m) => ctx.io.out(`notify: ${m}`),
    });
    const c = r.compensation;
    if (ctx.global.json) ctx.io.out(JSON.stringify({ action: 'rollback-patch', entity_type: 'patch_ledger', id, from_state: r.fromState, to_state: r.toState, version: r.version, operator, compensation: c }));
    else {
      for (const a of c.actions) ctx.io.out(`  ${a.action.padEnd(10)} ${a.required ? 'required' : 'optional'} ${a.status.padEnd(9)} ${a.detail}`);
      ctx.io.out(`  clean tree ${c.clean_tree ? 'yes' : 'no'}`);
      ctx.io.out(`rollback-patch: patch_ledger ${id} committed → rolled_back (version ${r.version}) by ${operator}; ${c.commit_sha} reverted on ${c.branch} by ${c.revert_sha}`);
    }
    return EXIT.ok;
  } catch (err) {
    if (err instanceof RollbackPlanMismatchError) throw new UsageError(err.message, ctx.command, { cause: err });
    if (err instanceof RollbackFailedError && ctx.global.json) ctx.io.out(JSON.stringify({ action: 'rollback-patch', id, refused: err.message, compensation: err.compensation }));
    throw err;
  }
}

/** `gantry override ACTION ID --reason TEXT`: an authorised, audited manual override (SSOT §5.2). */
export const overrideCommand: Command = {
  name: 'override',
  summary: 'manual override of SSOT §5.2 by an authorised operator (exit 1 and nothing written without authority)',
  usage: `override ${ACTIONS.join('|')} ID --reason TEXT [--clear-retry-count] [--plan FILE] [--operator NAME --token T]`,
  description:
    'Forces an entity into the override\'s target state, bypassing guards but not table constraints, with an audit row ' +
    '(operator, reason, trigger = ACTION) and a manual_override event. A reset of a terminal task creates a new task ' +
    'with retry_of. rollback-patch LEDGER_ID --plan FILE is the emergency rollback playbook (SSOT §5.3): git revert of ' +
    'the committed patch, the workstream\'s gates on the reverted tree, a notice, a clean-tree check, then the ledger\'s ' +
    'rollback edge; any failure undoes the revert and leaves the patch committed (exit 1). Authority: --operator/--token ' +
    'or GANTRY_OPERATOR/GANTRY_OPERATOR_TOKEN (see gantry operator add).',
  options: { reason: { type: 'string' }, operator: { type: 'string' }, token: { type: 'string' }, 'clear-retry-count': { type: 'boolean' }, plan: { type: 'string' } },
  optionHelp: {
    reason: 'why (required; recorded in the audit)',
    operator: 'operator name (default GANTRY_OPERATOR)',
    token: 'operator token (default GANTRY_OPERATOR_TOKEN)',
    'clear-retry-count': 'reset-task: start again at retry count 0',
    plan: 'rollback-patch: the plan file of the run (repository, target branch, gates)',
  },
  async run(ctx) {
    const [action, id] = positionalArgs(ctx, ['ACTION', 'ID']) as [string, string];
    if (!isOverrideAction(action) && action !== 'rollback-patch') throw new UsageError(`unknown override '${action}' (overrides: ${ACTIONS.join(', ')})`, ctx.command);
    const reason = requiredReason(ctx);
    const clear = ctx.options['clear-retry-count'] === true;
    if (clear && action !== 'reset-task') throw new UsageError('--clear-retry-count applies to reset-task only', ctx.command);
    if (ctx.options['plan'] !== undefined && action !== 'rollback-patch') throw new UsageError('--plan applies to rollback-patch only', ctx.command);
    if (action === 'rollback-patch' && !stringOption(ctx, 'plan')) throw new UsageError('rollback-patch needs --plan FILE (the plan of the run the patch belongs to)', ctx.command);
    return withOperator(ctx, [OverrideRefusedError, RollbackFailedError], async (handle, operator) => {
      if (action === 'rollback-patch') return rollback(ctx, handle, id, operator, reason);
      const r = await applyOverride(handle.db, { action, id, operator, reason, clearRetryCount: clear, transitionLog: join(ctx.global.stateDir, 'transitions.jsonl') });
      if (ctx.global.json) ctx.io.out(JSON.stringify({ action, entity_type: r.entityType, id: r.id, from_state: r.fromState, to_state: r.toState, version: r.version, created_id: r.createdId, operator }));
      else if (r.createdId) ctx.io.out(`${action}: ${r.entityType} ${r.id} is ${r.fromState} (left as it was); new ${r.entityType} ${r.createdId} created with retry_of ${r.id}`);
      else ctx.io.out(`${action}: ${r.entityType} ${r.id} ${r.fromState} → ${r.toState} (version ${r.version}) by ${operator}`);
      return EXIT.ok;
    });
  },
};
