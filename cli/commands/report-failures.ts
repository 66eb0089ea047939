import { failurePatterns } from '../../ops/index.js';
import type { Command } from '../command.js';
import { positionalArgs, sinceHoursOption } from '../command.js';
import { EXIT } from '../errors.js';
import { withDatabase } from '../open-database.js';

/** `gantry report failures [--hours 24]`: the most common transitions into failure states (SSOT §7.3.2). */
export const reportFailuresCommand: Command = {
  name: 'report failures',
  summary: 'the most common failure transitions (last day by default)',
  usage: 'report failures [--hours 24] [--json]',
  options: { hours: { type: 'string' } },
  optionHelp: { hours: 'how far back to look, in hours (default 24)' },
  async run(ctx) {
    positionalArgs(ctx, []);
    const since = sinceHoursOption(ctx);
    const rows = await withDatabase(ctx.global, (handle) => failurePatterns(handle.db, since), { existing: true });
    if (ctx.global.json) {
      ctx.io.out(JSON.stringify({ since: since.toISOString(), failures: rows.map((r) => ({ entity_type: r.entityType, from_state: r.fromState, to_state: r.toState, trigger: r.trigger, count: r.count, last: r.last.toISOString() })) }));
    } else {
      ctx.io.out(`failure transitions since ${since.toISOString()}: ${rows.length} patterns`);
      for (const r of rows) ctx.io.out(`${String(r.count).padStart(6)}  ${r.entityType.padEnd(14)} ${(r.fromState ?? '∅').padEnd(12)} → ${r.toState.padEnd(12)} ${r.trigger}  (last ${r.last.toISOString()})`);
    }
    return EXIT.ok;
  },
};
