import { recentOverrides } from '../../ops/index.js';
import type { Command } from '../command.js';
import { positionalArgs, sinceHoursOption } from '../command.js';
import { EXIT } from '../errors.js';
import { withDatabase } from '../open-database.js';

/** `gantry report overrides [--hours 24]`: manual overrides in the last day (SSOT §7.3.2), newest first. */
export const reportOverridesCommand: Command = {
  name: 'report overrides',
  summary: 'manual overrides of the last day (who, what, why)',
  usage: 'report overrides [--hours 24] [--json]',
  options: { hours: { type: 'string' } },
  optionHelp: { hours: 'how far back to look, in hours (default 24)' },
  async run(ctx) {
    positionalArgs(ctx, []);
    const since = sinceHoursOption(ctx);
    const rows = await withDatabase(ctx.global, (handle) => recentOverrides(handle.db, since), { existing: true });
    if (ctx.global.json) {
      ctx.io.out(JSON.stringify({ since: since.toISOString(), overrides: rows.map((r) => ({ entity_type: r.entityType, entity_id: r.entityId, action: r.action, from_state: r.fromState, to_state: r.toState, operator: r.operator, reason: r.reason, at: r.at.toISOString() })) }));
    } else {
      ctx.io.out(`manual overrides since ${since.toISOString()}: ${rows.length}`);
      for (const r of rows) ctx.io.out(`${r.at.toISOString()}  ${r.action.padEnd(20)} ${r.entityType} ${r.entityId}  ${r.fromState ?? '∅'} → ${r.toState}  by ${r.operator}  (${r.reason ?? ''})`);
    }
    return EXIT.ok;
  },
};
