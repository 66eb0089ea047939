import type { AuditRecord } from '../../persistence/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';
import { withActors } from '../open-database.js';

function row(r: AuditRecord): string {
  const who = r.operator ? `  by ${r.operator}` : '';
  const why = r.reason ? `  (${r.reason})` : '';
  return `${String(r.seq).padStart(4)}  ${r.transitionedAt.toISOString()}  ${(r.fromState ?? '∅').padEnd(12)} → ${r.toState.padEnd(12)}  ${r.trigger}  [${r.severity}]${who}${why}  ${r.hash.slice(0, 12)}`;
}

/** `gantry history TYPE ID`: the audit trail of one entity, oldest first (SSOT §7.3.2). */
export const historyCommand: Command = {
  name: 'history',
  summary: 'the audit trail of one entity (from, to, trigger, reason, operator, time, hash)',
  usage: 'history TYPE ID [--json]',
  async run(ctx) {
    const [type, id] = positionalArgs(ctx, ['TYPE', 'ID']) as [string, string];
    const rows = await withActors(ctx.global, (actors) => actors.history(type, id), { existing: true });
    if (ctx.global.json) {
      ctx.io.out(
        JSON.stringify({
          entity_type: type,
          id,
          transitions: rows.map((r) => ({
            seq: r.seq,
            event_id: r.eventId,
            from_state: r.fromState,
            to_state: r.toState,
            trigger: r.trigger,
            reason: r.reason,
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
      for (const r of rows) ctx.io.out(row(r));
    }
    return EXIT.ok;
  },
};
