import { entityReason } from '../../ops/entity-reasons.js';
import { transitionReason } from '../../ops/transition-reason.js';
import { readEntityOutput, type AuditRecord, type Database } from '../../persistence/index.js';
import type { Kysely } from 'kysely';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { withActors } from '../open-database.js';

function row(r: AuditRecord, reason: string | null): string {
  const who = r.operator ? `  by ${r.operator}` : '';
  // The operator is on the row already: their name is not repeated before their reason.
  const own = reason !== null && r.operator && reason.startsWith(`by ${r.operator}: `) ? reason.slice(`by ${r.operator}: `.length) : reason;
  const why = own ? `  (${own})` : r.reason ? `  (${r.reason})` : '';
  return `${String(r.seq).padStart(4)}  ${r.transitionedAt.toISOString()}  ${(r.fromState ?? '∅').padEnd(12)} → ${r.toState.padEnd(12)}  ${r.trigger}  [${r.severity}]${who}${why}  ${r.hash.slice(0, 12)}`;
}

/**
 * Why each row's transition happened (ops/transition-reason.ts; null for normal progress): a gate's failure with
 * its exit code and output tail, and the row that entered the entity's current state with its full reason
 * (ops/entity-reasons.ts: a task's failed gates, a workstream's failed tasks).
 */
async function reasonsOf(db: Kysely<Database>, type: string, id: string, rows: readonly AuditRecord[]): Promise<(string | null)[]> {
  const gate = type === 'test_gate' ? await readEntityOutput(db, id) : null;
  const tail = gate && gate.exitCode !== null ? { id, exitCode: gate.exitCode, stdoutTail: (gate.stdout ?? '').slice(-2000), stderrTail: (gate.stderr ?? '').slice(-2000) } : null;
  const last = rows.findLastIndex((r) => r.fromState !== r.toState);
  const current = last >= 0 && rows.length > 0 ? await entityReason(db, type, id) : null;
  return rows.map((r, i) => {
    const event = r.metadata['event'] && typeof r.metadata['event'] === 'object' ? (r.metadata['event'] as Record<string, unknown>) : null;
    const own = transitionReason({ entityType: r.entityType, entityId: r.entityId, fromState: r.fromState, toState: r.toState, trigger: r.trigger, reason: r.reason, operator: r.operator, severity: r.severity, event }, r.trigger === 'command_failed' ? tail : null);
    return i === last && own !== null ? (current ?? own) : own;
  });
}

/** `gantry history TYPE ID`: the audit trail of one entity, oldest first (SSOT §7.3.2), each failing transition with why. */
export const historyCommand: Command = {
  name: 'history',
  summary: 'the audit trail of one entity (from, to, trigger, reason, operator, time, hash), each failing transition with why',
  description: [
    'Prints every audit row of the entity, oldest first. A transition into a failed, blocked, quarantined, dropped,',
    'cancelled or rolled-back state (or any warning, or an operator\'s act) shows why in parentheses: the exit code and',
    'last lines of stderr, the gate and its output tail, the forbidden rule and path, the dependency that failed, the',
    'operator and reason. --json adds `why` to each transition (null when it needs no explanation) beside the audit',
    'row\'s own `reason`.',
  ].join('\n'),
  usage: 'history TYPE ID [--json]',
  async run(ctx) {
    const [type, id] = positionalArgs(ctx, ['TYPE', 'ID']) as [string, string];
    const [rows, reasons] = await withActors(
      ctx.global,
      async (actors, handle) => {
        const rows = await actors.history(type, id);
        return [rows, await reasonsOf(handle.db, type, id, rows)] as const;
      },
      { existing: true },
    );
    if (ctx.global.json) {
      ctx.io.out(
        JSON.stringify({
          entity_type: type,
          id,
          transitions: rows.map((r, i) => ({
            seq: r.seq,
            event_id: r.eventId,
            from_state: r.fromState,
            to_state: r.toState,
            trigger: r.trigger,
            reason: r.reason,
            why: reasons[i] ?? null,
            operator: r.operator,
            severity: r.severity,
            transitioned_at: r.transitionedAt.toISOString(),
            metadata: r.metadata,
            prev_hash: r.prevHash,
            hash: r.hash,
          })),
        }),
      );
    } else {
      ctx.io.out(`${type} ${id}: ${rows.length} audit rows`);
      rows.forEach((r, i) => ctx.io.out(row(r, reasons[i] ?? null)));
    }
    return EXIT.ok;
  },
};
