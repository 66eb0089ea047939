import { join } from 'node:path';
import { decideGate, GateDecisionRefusedError } from '../ops/index.js';
import type { Command } from './command.js';
import { positionalArgs, stringOption } from './command.js';
import { EXIT, RefusedError } from './errors.js';
import { withOperator } from './with-operator.js';

/**
 * The command `gantry approve` or `gantry reject` (EXT-6): one authorised operator's decision on a MANUAL gate,
 * `GATE --run RUN_ID --reason TEXT` (GATE the plan's gate id, or the gate's entity id as `status` shows it, then
 * `--run` may be left out). The operator authenticates as for every override (`--operator NAME --token T`, or
 * `GANTRY_OPERATOR` / `GANTRY_OPERATOR_TOKEN`) and must be one of the gate's approvers; the gate must be waiting.
 * Refused (exit 1, nothing written) otherwise. Works while the run is live, on PostgreSQL and through the socket of an
 * embedded database a live `gantry run` holds.
 */
export function gateDecisionCommand(decision: 'approve' | 'reject'): Command {
  const verb = decision === 'approve' ? 'approves' : 'rejects';
  return {
    name: decision,
    summary: `${decision} a MANUAL gate waiting in a run, as one of its approvers (audited; exit 1 and nothing written without authority)`,
    usage: `${decision} GATE --run RUN_ID --reason TEXT [--operator NAME --token T]`,
    description:
      `${verb[0]!.toUpperCase()}${verb.slice(1)} a gate of type MANUAL that waits for approval (status shows it RUNNING, why: waiting for approval by …): ` +
      `the gate ${decision === 'approve' ? 'passes and the task goes on to merge' : 'fails with the reason, and its task fails'}. GATE is the plan's gate id (with --run) or ` +
      'the gate\'s entity id (RUN.task.gate.aN). The operator must be one of the gate\'s approvers and authenticate with their token ' +
      '(--operator/--token or GANTRY_OPERATOR/GANTRY_OPERATOR_TOKEN, see gantry operator add); the audit row records the operator and the reason. ' +
      'Works while the run is live (a live embedded database is reached through its socket) and while its engine is stopped (gantry resume goes on from the decision).',
    options: { run: { type: 'string' }, reason: { type: 'string' }, operator: { type: 'string' }, token: { type: 'string' } },
    optionHelp: {
      run: 'the run the gate belongs to (not needed with the gate\'s entity id)',
      reason: 'why (required; recorded in the audit)',
      operator: 'operator name (default GANTRY_OPERATOR); must be one of the gate\'s approvers',
      token: 'operator token (default GANTRY_OPERATOR_TOKEN)',
    },
    async run(ctx) {
      const [gate] = positionalArgs(ctx, ['GATE']) as [string];
      const runId = stringOption(ctx, 'run');
      const reason = stringOption(ctx, 'reason')?.trim();
      if (!reason) throw new RefusedError(`${decision} refused: --reason TEXT is required (nothing written)`);
      const { PersistedActors } = await import('../actors/index.js');
      return withOperator(ctx, [GateDecisionRefusedError], async (handle, operator) => {
        const actors = new PersistedActors({ db: handle.db, transitionLog: join(ctx.global.stateDir, 'transitions.jsonl') });
        try {
          const r = await decideGate(handle.db, actors, { decision, gate, runId, operator, reason });
          if (ctx.global.json) ctx.io.out(JSON.stringify({ decision, id: r.id, from_state: r.fromState, to_state: r.toState, version: r.version, operator, reason }));
          else ctx.io.out(`${decision}: test_gate ${r.id} ${r.fromState} → ${r.toState} (version ${r.version}) by ${operator}: ${reason}`);
          return EXIT.ok;
        } finally {
          await actors.close();
        }
      });
    },
  };
}
